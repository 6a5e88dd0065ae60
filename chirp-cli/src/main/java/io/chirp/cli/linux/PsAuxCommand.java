package io.chirp.cli.linux;

import io.chirp.cli.ExitCode;
import io.chirp.cli.Table;
import io.chirp.cli.TargetOptions;
import io.chirp.core.ChirpException;
import io.chirp.linux.LinuxProcess;
import io.chirp.linux.Processes;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code chirp linux psaux}: processes with their command lines (and environment), read from their own memory. */
@Command(name = "psaux", mixinStandardHelpOptions = true, description = "List processes with command lines read from each process's memory.")
public final class PsAuxCommand implements Callable<Integer> {
    /** Appended to a command line (or environment) cut at Processes.MAX_CMDLINE bytes. */
    static final String TRUNCATED = io.chirp.tables.LinuxTables.TRUNCATED;
    @ArgGroup(exclusive = false, multiplicity = "1") TargetOptions target;
    @Option(names = "--env", description = "also print each process's environment") boolean env;
    @Option(names = "--pid", description = "only this process id") Integer pid;
    @Option(names = "--format", defaultValue = "table", description = "table, json or csv") Table.Format format;
    @Spec CommandSpec spec;

    @Override public Integer call() {
        try (LinuxSession s = LinuxSession.open(target)) {
            Processes ps = new Processes(s.kernel());
            Processes.Listing l = ps.list(false, true);
            List<String> problems = new ArrayList<>();
            Table t = env ? new Table("pid", "ppid", "uid", "comm", "cmdline", "truncated", "environment")
                    : new Table("pid", "ppid", "uid", "comm", "cmdline", "truncated");
            for (LinuxProcess p : l.processes()) {
                if (pid != null && p.tgid() != pid) continue;
                String cmd = p.kernelThread() ? "[" + p.comm() + "]" : p.cmdline();
                // The marker is visible in every format; the truncated column says it for machines.
                if (p.cmdlineTruncated()) cmd += TRUNCATED;
                if (env) {
                    String e;
                    boolean envCut = false;
                    try {
                        Processes.UserStrings vars = ps.environmentOf(p);
                        e = String.join(" ", vars.strings()) + (vars.truncated() ? TRUNCATED : "");
                        envCut = vars.truncated();
                    } catch (ChirpException ex) {
                        e = null; // the row stays, its environment marked absent and the reason given below
                        problems.add("pid " + p.tgid() + ": environment unreadable: " + ex.getMessage());
                    }
                    t.row(p.tgid(), p.ppid(), p.uid(), p.comm(), cmd, p.cmdlineTruncated() || envCut, e);
                } else {
                    t.row(p.tgid(), p.ppid(), p.uid(), p.comm(), cmd, p.cmdlineTruncated());
                }
            }
            t.print(spec.commandLine().getOut(), format);
            boolean partial = Warnings.walk(spec, l.walk());
            partial |= Partial.warn(spec, problems);
            return ExitCode.okOrPartial(!partial);
        }
    }
}
