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

/** {@code chirp linux lsmod}: kernel modules from the kernel's module list (Volatility's linux.lsmod). */
@Command(name = "lsmod", mixinStandardHelpOptions = true, description = "List kernel modules from the kernel's module list.")
public final class LsmodCommand implements Callable<Integer> {
    @ArgGroup(exclusive = false, multiplicity = "1") TargetOptions target;
    @Option(names = "--params", description = "add a column with each module's parameters") boolean params;
    @Option(names = "--format", defaultValue = "table", description = "table, json or csv") Table.Format format;
    @Spec CommandSpec spec;

    @Override public Integer call() {
        try (LinuxSession s = LinuxSession.open(target)) {
            return Table.show(spec, LinuxViews.lsmod(s.kernel(), params), format);
        }
    }
}
