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

/** {@code chirp linux pslist}: processes from the kernel's task list (Volatility's linux.pslist). */
@Command(name = "pslist", mixinStandardHelpOptions = true, description = "List processes from the kernel's task list.")
public final class PsListCommand implements Callable<Integer> {
    @ArgGroup(exclusive = false, multiplicity = "1") TargetOptions target;
    @Option(names = "--threads", description = "list every thread, not only processes") boolean threads;
    @Option(names = "--pid", description = "only this process id") Integer pid;
    @Option(names = "--format", defaultValue = "table", description = "table, json or csv") Table.Format format;
    @Spec CommandSpec spec;

    @Override public Integer call() {
        try (LinuxSession s = LinuxSession.open(target)) {
            return Table.show(spec, LinuxViews.pslist(s.kernel(), threads, pid), format);
        }
    }
}
