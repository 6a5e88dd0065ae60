package io.chirp.cli.linux;

import io.chirp.cli.Table;
import io.chirp.cli.TargetOptions;
import io.chirp.tables.LinuxViews;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import picocli.CommandLine;

import java.util.concurrent.Callable;

/** {@code chirp linux dmesg}: the kernel log from the printk ring buffer (Volatility's linux.kmsg). */
@Command(name = "dmesg", mixinStandardHelpOptions = true, description = "Print the kernel log, read from the printk ring buffer in memory.")
public final class DmesgCommand implements Callable<Integer> {
    @ArgGroup(exclusive = false, multiplicity = "1") TargetOptions target;
    @Option(names = "--level", paramLabel = "N", defaultValue = "7",
            description = "only records of this level or more urgent (0 emerg .. 7 debug)") int maxLevel;
    @Option(names = "--format", defaultValue = "table", description = "table, json or csv") Table.Format format;
    @Spec CommandSpec spec;

    @Override public Integer call() {
        // checked before the VM is touched: a typo should not cost an attach
        if (maxLevel < 0 || maxLevel > 7) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--level must be 0 to 7 (0 emerg, 1 alert, 2 crit, "
                    + "3 err, 4 warn, 5 notice, 6 info, 7 debug), not " + maxLevel);
        }
        try (LinuxSession s = LinuxSession.open(target)) {
            return Table.show(spec, LinuxViews.dmesg(s.kernel(), maxLevel), format);
        }
    }
}
