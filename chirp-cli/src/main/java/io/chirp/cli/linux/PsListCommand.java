package io.chirp.cli.linux;

import io.chirp.cli.ExitCode;
import io.chirp.cli.Table;
import io.chirp.cli.TargetOptions;
import io.chirp.linux.LinuxProcess;
import io.chirp.linux.Processes;
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
            Processes.Listing l = new Processes(s.kernel()).list(threads, false);
            Table t = new Table("pid", "tid", "ppid", "comm", "uid", "gid", "euid", "state", "start_s", "kthread",
                    "exe", "task");
            for (LinuxProcess p : l.processes()) {
                if (pid != null && p.tgid() != pid) continue;
                t.row(p.tgid(), p.pid(), p.ppid(), p.comm(), p.uid(), p.gid(), p.euid(), p.state(),
                        p.startSeconds() == null ? null : String.format("%.2f", p.startSeconds()), p.kernelThread(),
                        p.exe(), String.format("0x%x", p.task()));
            }
            t.print(spec.commandLine().getOut(), format);
            return ExitCode.okOrPartial(!Warnings.walk(spec, l.walk()));
        }
    }
}
