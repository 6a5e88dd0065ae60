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

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

/** {@code chirp linux pstree}: the process tree by parent (real_parent). */
@Command(name = "pstree", mixinStandardHelpOptions = true, description = "Show processes as a tree.")
public final class PsTreeCommand implements Callable<Integer> {
    @ArgGroup(exclusive = false, multiplicity = "1") TargetOptions target;
    @Option(names = "--format", defaultValue = "table", description = "table (a tree), json or csv (with depth)")
    Table.Format format;
    @Spec CommandSpec spec;

    @Override public Integer call() {
        try (LinuxSession s = LinuxSession.open(target)) {
            Processes.Listing l = new Processes(s.kernel()).list(false, true);
            Map<Integer, List<LinuxProcess>> children = new LinkedHashMap<>();
            Map<Integer, LinuxProcess> byPid = new LinkedHashMap<>();
            for (LinuxProcess p : l.processes()) byPid.put(p.tgid(), p);
            for (LinuxProcess p : l.processes()) {
                if (p.tgid() == 0) continue;
                children.computeIfAbsent(byPid.containsKey(p.ppid()) ? p.ppid() : -1, x -> new ArrayList<>()).add(p);
            }
            children.values().forEach(c -> c.sort(Comparator.comparingInt(LinuxProcess::tgid)));
            List<Object[]> rows = new ArrayList<>();
            Set<Integer> seen = new HashSet<>();
            for (int root : new int[] {0, -1}) {
                for (LinuxProcess p : children.getOrDefault(root, List.of())) walk(p, 0, children, rows, seen);
            }
            if (format == Table.Format.table) {
                PrintWriter out = spec.commandLine().getOut();
                for (Object[] r : rows) {
                    LinuxProcess p = (LinuxProcess) r[1];
                    out.println("  ".repeat((int) r[0]) + (((int) r[0]) > 0 ? "└─ " : "") + p.tgid() + " "
                            + Table.escape(p.comm()) + (p.cmdline() == null || p.cmdline().isEmpty() ? ""
                            : "  " + Table.escape(p.cmdline())));
                }
                out.flush();
            } else {
                Table t = new Table("depth", "pid", "ppid", "comm", "cmdline");
                for (Object[] r : rows) {
                    LinuxProcess p = (LinuxProcess) r[1];
                    t.row(r[0], p.tgid(), p.ppid(), p.comm(), p.cmdline());
                }
                t.print(spec.commandLine().getOut(), format);
            }
            return ExitCode.okOrPartial(!Warnings.walk(spec, l.walk()));
        }
    }

    private static void walk(LinuxProcess p, int depth, Map<Integer, List<LinuxProcess>> children, List<Object[]> rows,
                             Set<Integer> seen) {
        if (!seen.add(p.tgid()) || depth > 512) return; // a parent cycle in hostile memory must not loop
        rows.add(new Object[] {depth, p});
        for (LinuxProcess c : children.getOrDefault(p.tgid(), List.of())) walk(c, depth + 1, children, rows, seen);
    }
}
