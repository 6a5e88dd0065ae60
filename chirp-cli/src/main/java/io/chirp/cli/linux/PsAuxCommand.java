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

/**
 * {@code chirp linux psaux}: processes with their command lines (and environment), read from their own memory. A
 * command line cut at the read cap ends with a visible marker in every format; the truncated column says it for
 * machines.
 */
@Command(name = "psaux", mixinStandardHelpOptions = true, description = "List processes with command lines read from each process's memory.")
public final class PsAuxCommand implements Callable<Integer> {
    @ArgGroup(exclusive = false, multiplicity = "1") TargetOptions target;
    @Option(names = "--env", description = "also print each process's environment") boolean env;
    @Option(names = "--pid", description = "only this process id") Integer pid;
    @Option(names = "--format", defaultValue = "table", description = "table, json or csv") Table.Format format;
    @Spec CommandSpec spec;

    @Override public Integer call() {
        try (LinuxSession s = LinuxSession.open(target)) {
            return Table.show(spec, LinuxViews.psaux(s.kernel(), env, pid), format);
        }
    }
}
