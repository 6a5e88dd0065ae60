package io.chirp.tables;

import io.chirp.core.ChirpException;
import io.chirp.core.CpuState;
import io.chirp.linux.LinuxKernel;
import io.chirp.linux.LinuxProcess;
import io.chirp.linux.ModuleInfo;
import io.chirp.linux.Modules;
import io.chirp.linux.Processes;
import io.chirp.linux.Walk;
import io.chirp.linux.fs.Mount;
import io.chirp.linux.fs.Mounts;
import io.chirp.linux.fs.OpenFile;
import io.chirp.linux.fs.OpenFiles;
import io.chirp.linux.integrity.IntegrityCheck;
import io.chirp.linux.integrity.IntegrityFinding;
import io.chirp.linux.integrity.IntegrityReport;
import io.chirp.linux.log.KernelLog;
import io.chirp.linux.log.LogRecord;
import io.chirp.linux.mm.MemoryMap;
import io.chirp.linux.mm.MemoryMaps;
import io.chirp.linux.net.LinuxSocket;
import io.chirp.linux.net.Sockets;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntPredicate;

/**
 * Runs each Linux view on an attached kernel with its parameters and returns its declared rows, problems
 * included. The CLI's {@code linux} commands and the server's routes both call these, so a view is computed
 * one way.
 */
public final class LinuxViews {
    /** The deepest a process tree is followed: a parent cycle in hostile memory must not loop. */
    public static final int MAX_TREE_DEPTH = 512;

    private LinuxViews() {}

    /** {@code pslist}: processes (threads too when asked), optionally one pid. */
    public static Rows pslist(LinuxKernel k, boolean threads, Integer pid) {
        Processes.Listing l = new Processes(k).list(threads, false);
        List<LinuxProcess> shown = l.processes().stream().filter(p -> pid == null || p.tgid() == pid).toList();
        return LinuxTables.PSLIST.rows(shown, false, walkProblems("process list", l.walk()));
    }

    /** {@code psaux}: processes with command lines, and environments when asked. */
    public static Rows psaux(LinuxKernel k, boolean env, Integer pid) {
        Processes ps = new Processes(k);
        Processes.Listing l = ps.list(false, true);
        List<String> problems = new ArrayList<>(walkProblems("process list", l.walk()));
        List<LinuxTables.PsAuxRow> rows = new ArrayList<>();
        for (LinuxProcess p : l.processes()) {
            if (pid != null && p.tgid() != pid) continue;
            String e = null;
            boolean cut = false;
            if (env) {
                try {
                    Processes.UserStrings vars = ps.environmentOf(p);
                    e = String.join(" ", vars.strings());
                    cut = vars.truncated();
                } catch (ChirpException ex) {
                    // unreadable environment (paged out, exited): the row stays, the cell is absent, the reason told
                    e = null;
                    problems.add("pid " + p.tgid() + ": environment unreadable: " + ex.getMessage());
                }
            }
            rows.add(new LinuxTables.PsAuxRow(p, e, cut));
        }
        return LinuxTables.PSAUX.rows(rows, env, problems);
    }

    /** {@code pstree}: processes in tree order with their depth. */
    public static Rows pstree(LinuxKernel k) {
        Processes.Listing l = new Processes(k).list(false, true);
        return LinuxTables.PSTREE.rows(tree(l.processes()), false, walkProblems("process list", l.walk()));
    }

    /**
     * {@code psscan}: task_structs carved from slab memory, each placed against the task list (listed, exited,
     * hidden, stale); {@code all} false keeps only those the task list does not show.
     */
    public static Rows psscan(LinuxKernel k, boolean all, Integer pid) {
        io.chirp.linux.carve.TaskCarver.Result r = new io.chirp.linux.carve.TaskCarver(k).carve();
        List<io.chirp.linux.carve.CarvedTask> shown = r.tasks().stream()
                .filter(t -> all || t.status() != io.chirp.linux.carve.CarvedTask.Status.LISTED)
                .filter(t -> pid == null || t.tgid() == pid).toList();
        return LinuxTables.PSSCAN.rows(shown, false, r.complete() ? List.of() : List.of("carving is partial: " + r.problem()));
    }

    /** {@return processes in tree order: children under their real parent, orphans under a virtual root} */
    public static List<LinuxTables.TreeRow> tree(List<LinuxProcess> processes) {
        Map<Integer, List<LinuxProcess>> children = new LinkedHashMap<>();
        Map<Integer, LinuxProcess> byPid = new LinkedHashMap<>();
        for (LinuxProcess p : processes) byPid.put(p.tgid(), p);
        for (LinuxProcess p : processes) {
            if (p.tgid() == 0) continue;
            children.computeIfAbsent(byPid.containsKey(p.ppid()) ? p.ppid() : -1, x -> new ArrayList<>()).add(p);
        }
        children.values().forEach(c -> c.sort(Comparator.comparingInt(LinuxProcess::tgid)));
        List<LinuxTables.TreeRow> rows = new ArrayList<>();
        Set<Integer> seen = new HashSet<>();
        for (int root : new int[] {0, -1}) {
            for (LinuxProcess p : children.getOrDefault(root, List.of())) walk(p, 0, children, rows, seen);
        }
        return rows;
    }

    private static void walk(LinuxProcess p, int depth, Map<Integer, List<LinuxProcess>> children,
                             List<LinuxTables.TreeRow> rows, Set<Integer> seen) {
        if (!seen.add(p.tgid()) || depth > MAX_TREE_DEPTH) return;
        rows.add(new LinuxTables.TreeRow(depth, p));
        for (LinuxProcess c : children.getOrDefault(p.tgid(), List.of())) walk(c, depth + 1, children, rows, seen);
    }

    /** {@code lsmod}: modules, with their parameters when asked. */
    public static Rows lsmod(LinuxKernel k, boolean params) {
        Modules.Listing l = new Modules(k).list();
        List<String> problems = new ArrayList<>(walkProblems("module list", l.walk()));
        for (ModuleInfo m : l.modules()) for (String p : m.problems()) problems.add(m.name() + ": " + p);
        return LinuxTables.LSMOD.rows(l.modules(), params, problems);
    }

    /** The protocols a socket listing can be limited to; {@code other} is any protocol not named here. */
    public static final List<String> SOCKET_PROTOCOLS = List.of("tcp", "tcp6", "udp", "udp6", "udplite", "udplite6",
            "raw", "raw6", "unix", "other");

    /** {@return the name a socket's protocol has in {@link #SOCKET_PROTOCOLS}} */
    public static String protocolClass(String protocol) {
        return !protocol.equals("other") && SOCKET_PROTOCOLS.contains(protocol) ? protocol : "other";
    }

    /** {@code sockets}: sockets, optionally only some protocols (of {@link #SOCKET_PROTOCOLS}) or only those no process holds. */
    public static Rows sockets(LinuxKernel k, Set<String> protocols, boolean unownedOnly) {
        if (protocols != null) {
            for (String p : protocols) {
                if (!SOCKET_PROTOCOLS.contains(p)) throw ChirpException.usage("no such protocol: " + p + " (one of " + SOCKET_PROTOCOLS + ")");
            }
        }
        Sockets.Listing l = new Sockets(k).list();
        List<String> problems = new ArrayList<>(l.problems());
        List<LinuxSocket> shown = new ArrayList<>();
        for (LinuxSocket s : l.sockets()) {
            if (protocols != null && !protocols.isEmpty() && !protocols.contains(protocolClass(s.protocol()))) continue;
            if (unownedOnly && !s.unowned()) continue;
            shown.add(s);
            problems.addAll(s.problems());
        }
        return LinuxTables.SOCKETS.rows(shown, false, problems);
    }

    /** {@code lsof}: open files of the processes {@code pids} names (all when null or empty). */
    public static Rows lsof(LinuxKernel k, Set<Integer> pids) {
        OpenFiles.Listing l = new OpenFiles(k).list(wanted(pids));
        List<String> problems = new ArrayList<>();
        for (OpenFile o : l.files()) {
            for (String p : o.file().problems()) problems.add("pid " + o.pid() + " fd " + o.fd() + ": " + p);
        }
        problems.addAll(l.problems());
        return LinuxTables.LSOF.rows(l.files(), false, problems);
    }

    /** {@code maps}: memory maps of the processes {@code pids} names (all when null or empty). */
    public static Rows maps(LinuxKernel k, Set<Integer> pids) {
        List<LinuxTables.MapRow> rows = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        for (MemoryMaps.Listing l : new MemoryMaps(k).list(wanted(pids))) {
            for (MemoryMap m : l.maps()) rows.add(new LinuxTables.MapRow(l.pid(), l.comm(), m));
            for (String p : l.problems()) problems.add("pid " + l.pid() + ": " + p);
        }
        return LinuxTables.MAPS.rows(rows, false, problems);
    }

    /** {@code mounts}: init's mount namespace. */
    public static Rows mounts(LinuxKernel k) {
        Mounts.Listing l = new Mounts(k).list();
        List<String> problems = new ArrayList<>();
        for (Mount m : l.mounts()) problems.addAll(m.problems());
        if (!l.complete()) problems.add("mount list: " + l.problem());
        return LinuxTables.MOUNTS.rows(l.mounts(), false, problems);
    }

    /** {@code files}: regular files of every mounted file system's caches (generated ones like proc if asked). */
    public static Rows files(LinuxKernel k, boolean withGenerated) {
        io.chirp.linux.fs.PageCache.Listing l = new io.chirp.linux.fs.PageCache(k).list(withGenerated);
        return LinuxTables.FILES.rows(l.files(), false, l.problems());
    }

    /** {@code ifconfig}: init_net's interfaces with their IPv4 addresses. */
    public static Rows ifconfig(LinuxKernel k) {
        io.chirp.linux.net.Interfaces.Listing l = new io.chirp.linux.net.Interfaces(k).list();
        List<String> problems = new ArrayList<>();
        for (io.chirp.linux.net.Interfaces.Interface i : l.interfaces()) problems.addAll(i.problems());
        if (!l.complete()) problems.add("device list: " + l.problem());
        return LinuxTables.IFCONFIG.rows(l.interfaces(), false, problems);
    }

    /** {@code dmesg}: kernel log records of level {@code maxLevel} (0 emerg .. 7 debug) or more urgent. */
    public static Rows dmesg(LinuxKernel k, int maxLevel) {
        if (maxLevel < 0 || maxLevel > 7) throw ChirpException.usage("level must be 0..7, not " + maxLevel);
        KernelLog.Listing l = new KernelLog(k).read();
        List<LinuxTables.LogRow> rows = new ArrayList<>();
        for (LogRecord r : l.records()) if (r.level() <= maxLevel) rows.add(new LinuxTables.LogRow(r));
        return LinuxTables.DMESG.rows(rows, false, l.complete() ? List.of() : List.of("kernel log: " + l.problem()));
    }

    /**
     * The outcome of {@code check}.
     *
     * @param findings the findings at or above the minimum severity
     * @param sections one row per check that ran, with its problems (the optional column: the CLI's table leaves
     *                 it out and prints the problems on stderr)
     * @param report   the full report
     */
    public record CheckResult(Rows findings, Rows sections, IntegrityReport report) {
        /** {@return true if anything at warning level or above was found (shown or not)} */
        public boolean alarming() { return !report.findings(IntegrityFinding.Severity.WARNING).isEmpty(); }
    }

    /** {@code check}: the integrity checks named in {@code only} (all when null or empty). */
    public static CheckResult check(LinuxKernel k, List<CpuState> cpus, Set<String> only, IntegrityFinding.Severity min) {
        Set<String> checks = new LinkedHashSet<>();
        if (only == null || only.isEmpty()) checks.addAll(IntegrityCheck.ALL);
        else {
            for (String c : only) {
                if (!IntegrityCheck.ALL.contains(c)) throw ChirpException.usage("no such check: " + c + " (one of " + IntegrityCheck.ALL + ")");
                checks.add(c);
            }
        }
        IntegrityReport rep = new IntegrityCheck(k, cpus).run(checks);
        List<String> problems = new ArrayList<>();
        for (IntegrityReport.Section s : rep.sections()) for (String p : s.problems()) problems.add(s.check() + " is partial: " + p);
        Rows findings = LinuxTables.CHECK.rows(rep.findings(min), false, problems);
        Rows sections = LinuxTables.CHECK_SECTIONS.rows(rep.sections(), true, problems);
        return new CheckResult(findings, sections, rep);
    }

    /** {@return the check sections without their problems column (the CLI's table prints those on stderr)} */
    public static Rows sectionsWithoutProblems(IntegrityReport rep) {
        return LinuxTables.CHECK_SECTIONS.rows(rep.sections(), false, List.of());
    }

    private static IntPredicate wanted(Set<Integer> pids) {
        return pid -> pids == null || pids.isEmpty() || pids.contains(pid);
    }

    private static List<String> walkProblems(String what, Walk w) {
        return w.complete() ? List.of() : List.of(what + " is partial: " + w.problem());
    }
}
