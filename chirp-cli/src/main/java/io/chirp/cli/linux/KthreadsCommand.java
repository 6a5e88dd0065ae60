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

/** {@code chirp linux kthreads}: kernel threads and their functions (Volatility's linux.kthreads). */
@Command(name = "kthreads", mixinStandardHelpOptions = true,
        description = {"List kernel threads with the function each runs (kthread->threadfn as a kallsyms symbol, or the",
                "module that holds it). A function outside kernel text and every listed module is flagged suspicious:",
                "the thread of a hidden or freed module."})
public final class KthreadsCommand implements Callable<Integer> {
    @ArgGroup(exclusive = false, multiplicity = "1") TargetOptions target;
    @Option(names = "--suspicious", description = "only threads whose function nothing listed holds") boolean suspicious;
    @Option(names = "--format", defaultValue = "table", description = "table, json or csv") Table.Format format;
    @Spec CommandSpec spec;

    @Override public Integer call() {
        try (LinuxSession s = LinuxSession.open(target)) {
            return Table.show(spec, LinuxViews.kthreads(s.kernel(), suspicious), format);
        }
    }
}
