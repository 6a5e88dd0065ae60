package io.chirp.cli;

import io.chirp.hypervisor.Target;
import io.chirp.tables.MemoryViews;
import io.chirp.tables.Rows;
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
            Rows rows = MemoryViews.translate(MemoryViews.space(t, cr3), addresses.stream().map(MemoryViews::parse).toList());
            return Table.show(spec, rows, format);
        }
    }
}
