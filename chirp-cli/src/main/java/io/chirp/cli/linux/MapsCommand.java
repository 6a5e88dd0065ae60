package io.chirp.cli.linux;

import io.chirp.cli.ExitCode;
import io.chirp.cli.Table;
import io.chirp.cli.TargetOptions;
import io.chirp.linux.mm.MemoryMap;
import io.chirp.linux.mm.MemoryMaps;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.util.List;
import java.util.concurrent.Callable;

/** {@code chirp linux maps}: memory maps of processes, as /proc/PID/maps (Volatility's linux.proc.Maps). */
@Command(name = "maps", mixinStandardHelpOptions = true, description = "List the memory maps (VMAs) of processes.")
public final class MapsCommand implements Callable<Integer> {
    @ArgGroup(exclusive = false, multiplicity = "1") TargetOptions target;
    @Option(names = "--pid", split = ",", paramLabel = "PID", description = "only these processes") List<Integer> pids;
    @Option(names = "--format", defaultValue = "table", description = "table, json or csv") Table.Format format;
    @Spec CommandSpec spec;

    @Override public Integer call() {
        try (LinuxSession s = LinuxSession.open(target)) {
            List<MemoryMaps.Listing> all = new MemoryMaps(s.kernel()).list(pid -> pids == null || pids.contains(pid));
            boolean partial = false;
            Table t = new Table("pid", "comm", "start", "end", "perms", "offset", "dev", "inode", "path");
            for (MemoryMaps.Listing l : all) {
                for (MemoryMap m : l.maps()) {
                    t.row(l.pid(), l.comm(), String.format("0x%x", m.start()), String.format("0x%x", m.end()), m.perms(),
                            String.format("0x%x", m.offset()), m.device(), m.inode(), m.name());
                }
                if (!l.problems().isEmpty()) {
                    partial |= Partial.warn(spec, l.problems().stream().map(p -> "pid " + l.pid() + ": " + p).toList());
                }
            }
            t.print(spec.commandLine().getOut(), format);
            return ExitCode.okOrPartial(!partial);
        }
    }
}
