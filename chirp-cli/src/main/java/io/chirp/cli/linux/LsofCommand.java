package io.chirp.cli.linux;

import io.chirp.cli.ExitCode;
import io.chirp.cli.Table;
import io.chirp.cli.TargetOptions;
import io.chirp.linux.fs.FileInfo;
import io.chirp.linux.fs.OpenFile;
import io.chirp.linux.fs.OpenFiles;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.util.List;
import java.util.concurrent.Callable;

/** {@code chirp linux lsof}: open file descriptors of processes (Volatility's linux.lsof). */
@Command(name = "lsof", mixinStandardHelpOptions = true, description = "List the open file descriptors of processes.")
public final class LsofCommand implements Callable<Integer> {
    @ArgGroup(exclusive = false, multiplicity = "1") TargetOptions target;
    @Option(names = "--pid", split = ",", paramLabel = "PID", description = "only these processes") List<Integer> pids;
    @Option(names = "--format", defaultValue = "table", description = "table, json or csv") Table.Format format;
    @Spec CommandSpec spec;

    @Override public Integer call() {
        try (LinuxSession s = LinuxSession.open(target)) {
            OpenFiles.Listing l = new OpenFiles(s.kernel()).list(pid -> pids == null || pids.contains(pid));
            boolean partial = false;
            Table t = new Table("pid", "comm", "fd", "type", "mode", "flags", "pos", "inode", "name");
            for (OpenFile o : l.files()) {
                FileInfo f = o.file();
                t.row(o.pid(), o.comm(), o.fd(), f.kind().name().toLowerCase(), f.mode(),
                        "0" + Integer.toOctalString(f.flags()), f.position(), f.inode(), f.name());
                if (!f.problems().isEmpty()) partial |= Partial.warn(spec, f.problems().stream()
                        .map(p -> "pid " + o.pid() + " fd " + o.fd() + ": " + p).toList());
            }
            t.print(spec.commandLine().getOut(), format);
            partial |= Partial.warn(spec, l.problems());
            return ExitCode.okOrPartial(!partial);
        }
    }
}
