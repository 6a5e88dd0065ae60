package io.chirp.cli;

import io.chirp.core.ChirpException;
import io.chirp.core.CpuState;
import io.chirp.hypervisor.Target;
import io.chirp.memory.ImageFormat;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.Callable;

/**
 * {@code chirp regs}: vCPU registers of a running VM (QMP, no pause) or as recorded in an ELF core. Raw and LiME
 * images record none: that is an error (exit 1), not an empty table.
 */
@Command(name = "regs", mixinStandardHelpOptions = true, description = "Print the registers of every vCPU.")
final class RegsCommand implements Callable<Integer> {
    @ArgGroup(exclusive = false, multiplicity = "1") TargetOptions target;
    @Option(names = "--format", defaultValue = "table", description = "table, json or csv") Table.Format format;
    @Spec CommandSpec spec;

    private static final List<String> ORDER = List.of("rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp",
            "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "rip", "rflags", "cs", "ss", "fs_base", "gs_base",
            "k_gs_base", "kernel_gs_base", "gdt_base", "idt_base", "tr_base", "cr0", "cr2", "cr3", "cr4", "efer");

    @Override public Integer call() {
        try (Target t = target.open()) {
            if (t.cpus().isEmpty()) throw ChirpException.unavailable(noRegisters(t));
            Table table = new Table("vcpu", "register", "value");
            // a live VM's registers come from QMP: when another client holds it, say so rather than print nothing
            List<CpuState> cpus = t instanceof Target.Live live ? live.vm().registers() : t.cpus();
            for (CpuState c : cpus) {
                for (String r : ORDER) {
                    OptionalLong v = value(c, r);
                    if (v.isPresent()) table.row(c.vcpu(), r, String.format("0x%016x", v.getAsLong()));
                }
                table.row(c.vcpu(), "source", c.source());
            }
            table.print(spec.commandLine().getOut(), format);
        }
        return 0;
    }

    private static String noRegisters(Target t) {
        if (t instanceof Target.Image img && img.image().format() != ImageFormat.ELF_CORE) {
            return t.name() + " is a " + img.image().format().name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ')
                    + " image: that format records no vCPU registers (an ELF core from chirp acquire or QEMU"
                    + " dump-guest-memory does)";
        }
        return t.name() + " recorded no vCPU registers";
    }

    private static OptionalLong value(CpuState c, String r) {
        return switch (r) {
            case "rip" -> OptionalLong.of(c.rip());
            case "rflags" -> OptionalLong.of(c.rflags());
            case "cr0" -> c.cr0();
            case "cr2" -> c.cr2();
            case "cr3" -> c.cr3();
            case "cr4" -> c.cr4();
            case "efer" -> c.efer();
            case "fs_base" -> c.fsBase();
            case "gs_base" -> c.gsBase();
            case "kernel_gs_base" -> c.kernelGsBase();
            default -> c.register(r);
        };
    }
}
