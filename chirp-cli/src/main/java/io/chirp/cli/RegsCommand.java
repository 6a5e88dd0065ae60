package io.chirp.cli;

import io.chirp.core.ChirpException;
import io.chirp.core.CpuState;
import io.chirp.hypervisor.Target;
import io.chirp.memory.ImageFormat;
import io.chirp.tables.HostTables;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.util.List;
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

    @Override public Integer call() {
        try (Target t = target.open()) {
            if (t.cpus().isEmpty()) throw ChirpException.unavailable(noRegisters(t));
            // a live VM's registers come from QMP: when another client holds it, say so rather than print nothing
            List<CpuState> cpus = t instanceof Target.Live live ? live.vm().registers() : t.cpus();
            Table.print(HostTables.registers(cpus), spec.commandLine().getOut(), format);
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
}
