package io.chirp.cli.linux;

import io.chirp.cli.Table;
import io.chirp.cli.TargetOptions;
import io.chirp.tables.LinuxViews;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;

/** {@code chirp linux lsof}: open file descriptors of processes (Volatility's linux.lsof). */
@Command(name = "lsof", mixinStandardHelpOptions = true, description = "List the open file descriptors of processes.")
public final class LsofCommand implements Callable<Integer> {
    @ArgGroup(exclusive = false, multiplicity = "1") TargetOptions target;
    @Option(names = "--pid", split = ",", paramLabel = "PID", description = "only these processes") List<Integer> pids;
    @Option(names = "--format", defaultValue = "table", description = "table, json or csv") Table.Format format;
    @Spec CommandSpec spec;

    @Override public Integer call() {
        try (LinuxSession s = LinuxSession.open(target)) {
            return Table.show(spec, LinuxViews.lsof(s.kernel(), pids == null ? null : Set.copyOf(pids)), format);
        }
    }
}
