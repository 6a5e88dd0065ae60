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

/** {@code chirp linux caps}: capabilities and ptrace relations (Volatility's linux.capabilities and linux.ptrace). */
@Command(name = "caps", mixinStandardHelpOptions = true,
        description = "List every process's capability sets and its ptrace tracer and tracees.")
public final class CapsCommand implements Callable<Integer> {
    @ArgGroup(exclusive = false, multiplicity = "1") TargetOptions target;
    @Option(names = "--threads", description = "list every thread, not only processes") boolean threads;
    @Option(names = "--traced", description = "only tasks that trace or are traced (Volatility's linux.ptrace)") boolean traced;
    @Option(names = "--names", description = "add the effective capabilities by name") boolean names;
    @Option(names = "--format", defaultValue = "table", description = "table, json or csv") Table.Format format;
    @Spec CommandSpec spec;

    @Override public Integer call() {
        try (LinuxSession s = LinuxSession.open(target)) {
            return Table.show(spec, LinuxViews.caps(s.kernel(), threads, traced, names), format);
        }
    }
}
