package io.chirp.cli.linux;

import io.chirp.cli.Table;
import io.chirp.cli.TargetOptions;
import io.chirp.tables.LinuxViews;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/** {@code chirp linux bpf}: loaded eBPF programs or maps (Volatility's linux.ebpf; bpftool prog/map show). */
@Command(name = "bpf", mixinStandardHelpOptions = true,
        description = "List loaded eBPF programs (or maps) from the kernel's ID tables, with holders and attach points.")
public final class BpfCommand implements Callable<Integer> {
    @ArgGroup(exclusive = false, multiplicity = "1") TargetOptions target;
    @Option(names = "--maps", description = "list the eBPF maps instead of the programs") boolean maps;
    @Option(names = "--format", defaultValue = "table", description = "table, json or csv") Table.Format format;
    @Spec CommandSpec spec;

    @Override public Integer call() {
        try (LinuxSession s = LinuxSession.open(target)) {
            return Table.show(spec, LinuxViews.bpf(s.kernel(), maps), format);
        }
    }
}
