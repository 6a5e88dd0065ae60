package io.chirp.cli;

import io.chirp.core.VirtAddr;
import io.chirp.hypervisor.Target;
import io.chirp.paging.AddressSpace;
import io.chirp.paging.TranslationResult;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.util.List;
import java.util.concurrent.Callable;

/** {@code chirp translate}: virtual to physical through the guest's page tables, walked from outside. */
@Command(name = "translate", mixinStandardHelpOptions = true, description = {
        "Translate guest-virtual addresses to guest-physical ones.",
        "Exit code 4 when some address is not mapped (its fault is in the table)."})
final class TranslateCommand implements Callable<Integer> {
    @ArgGroup(exclusive = false, multiplicity = "1") TargetOptions target;
    @Option(names = "--cr3", description = "page-table root to use (default: vCPU 0's CR3)") String cr3;
    @Option(names = "--format", defaultValue = "table", description = "table, json or csv") Table.Format format;
    @Parameters(paramLabel = "VADDR", arity = "1..*", description = "guest-virtual addresses (0x... hex, or decimal)")
    List<String> addresses;
    @Spec CommandSpec spec;

    @Override public Integer call() {
        try (Target t = target.open()) {
            AddressSpace as = Addresses.space(t, cr3);
            Table table = new Table("virtual", "physical", "page_size", "flags", "fault");
            int faults = 0;
            for (String a : addresses) {
                TranslationResult r = as.translate(new VirtAddr(Addresses.parse(a)));
                switch (r) {
                    case TranslationResult.Mapped m -> table.row(hex(m.va().value()), hex(m.pa().value()),
                            m.pageSize(), flags(m.flags()), null);
                    case TranslationResult.Fault f -> {
                        faults++;
                        table.row(hex(f.va().value()), null, null, null, f.describe());
                    }
                }
            }
            table.print(spec.commandLine().getOut(), format);
            if (faults == 0) return ExitCode.OK.code();
            spec.commandLine().getErr().printf("chirp: warning: %d of %d addresses are not mapped (see the fault column)%n",
                    faults, addresses.size());
            spec.commandLine().getErr().flush();
            return ExitCode.PARTIAL.code();
        }
    }

    static String flags(io.chirp.paging.PageFlags f) {
        return "r" + (f.writable() ? "w" : "-") + (f.noExecute() ? "-" : "x") + (f.user() ? " user" : " kernel")
                + (f.global() ? " global" : "");
    }

    static String hex(long v) { return String.format("0x%x", v); }
}
