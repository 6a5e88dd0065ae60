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

/** {@code chirp linux mounts}: the mounts of init's mount namespace (Volatility's linux.mountinfo). */
@Command(name = "mounts", mixinStandardHelpOptions = true, description = "List the mounts of init's mount namespace.")
public final class MountsCommand implements Callable<Integer> {
    @ArgGroup(exclusive = false, multiplicity = "1") TargetOptions target;
    @Option(names = "--all-namespaces", description = "every mount namespace a process is in, not only init's")
    boolean allNamespaces;
    @Option(names = "--format", defaultValue = "table", description = "table, json or csv") Table.Format format;
    @Spec CommandSpec spec;

    @Override public Integer call() {
        try (LinuxSession s = LinuxSession.open(target)) {
            return Table.show(spec, LinuxViews.mounts(s.kernel(), allNamespaces), format);
        }
    }
}
