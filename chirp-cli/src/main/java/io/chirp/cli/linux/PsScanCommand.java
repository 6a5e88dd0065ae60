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

/** {@code chirp linux psscan}: task_structs carved from slab memory (Volatility's linux.psscan). */
@Command(name = "psscan", mixinStandardHelpOptions = true,
        description = "Carve task_structs from the task_struct slab cache: exited and hidden processes the task list no longer holds.")
public final class PsScanCommand implements Callable<Integer> {
    @ArgGroup(exclusive = false, multiplicity = "1") TargetOptions target;
    @Option(names = "--all", description = "also list the carved tasks that are on the task list (status listed)") boolean all;
    @Option(names = "--pid", description = "only this process id") Integer pid;
    @Option(names = "--format", defaultValue = "table", description = "table, json or csv") Table.Format format;
    @Spec CommandSpec spec;

    @Override public Integer call() {
        try (LinuxSession s = LinuxSession.open(target)) {
            return Table.show(spec, LinuxViews.psscan(s.kernel(), all, pid), format);
        }
    }
}
