package io.chirp.cli.linux;

import io.chirp.cli.ExitCode;
import io.chirp.cli.Table;
import io.chirp.cli.TargetOptions;
import io.chirp.linux.log.KernelLog;
import io.chirp.linux.log.LogRecord;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.util.List;
import java.util.concurrent.Callable;

/** {@code chirp linux dmesg}: the kernel log from the printk ring buffer (Volatility's linux.kmsg). */
@Command(name = "dmesg", mixinStandardHelpOptions = true, description = "Print the kernel log, read from the printk ring buffer in memory.")
public final class DmesgCommand implements Callable<Integer> {
    private static final List<String> LEVELS = List.of("emerg", "alert", "crit", "err", "warn", "notice", "info", "debug");

    @ArgGroup(exclusive = false, multiplicity = "1") TargetOptions target;
    @Option(names = "--level", paramLabel = "N", defaultValue = "7",
            description = "only records of this level or more urgent (0 emerg .. 7 debug)") int maxLevel;
    @Option(names = "--format", defaultValue = "table", description = "table, json or csv") Table.Format format;
    @Spec CommandSpec spec;

    @Override public Integer call() {
        if (maxLevel < 0 || maxLevel > 7) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--level must be 0 to 7 (0 emerg, 1 alert, 2 crit, "
                    + "3 err, 4 warn, 5 notice, 6 info, 7 debug), not " + maxLevel);
        }
        try (LinuxSession s = LinuxSession.open(target)) {
            KernelLog.Listing l = new KernelLog(s.kernel()).read();
            Table t = new Table("seq", "time", "level", "facility", "caller", "text");
            for (LogRecord r : l.records()) {
                if (r.level() > maxLevel) continue;
                String caller = (r.callerId() & 0x8000_0000L) != 0 ? "C" + (r.callerId() & 0x7fff_ffffL) : "T" + r.callerId();
                t.row(r.seq(), r.timestamp().strip(), LEVELS.get(r.level() & 7), r.facility(), caller, r.text());
            }
            t.print(spec.commandLine().getOut(), format);
            boolean partial = !l.complete() && Partial.warn(spec, List.of("kernel log: " + l.problem()));
            return ExitCode.okOrPartial(!partial);
        }
    }
}
