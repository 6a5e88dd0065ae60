package io.chirp.tables;

import io.chirp.core.ChirpException;
import io.chirp.core.CpuState;
import io.chirp.linux.KernelClock;
import io.chirp.linux.LinuxKernel;
import io.chirp.linux.Privileges;
import io.chirp.linux.bpf.BpfObjects;
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
        List<String> problems = new ArrayList<>(walkProblems("process list", l.walk()));
        KernelClock clock = clock(k, problems);
        List<LinuxTables.PsRow> shown = l.processes().stream().filter(p -> pid == null || p.tgid() == pid)
                .map(p -> new LinuxTables.PsRow(p, clock)).toList();
        return LinuxTables.PSLIST.rows(shown, false, problems);
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
    public static Rows mounts(LinuxKernel k) { return mounts(k, false); }

    /** {@code mounts}: init's mount namespace, or every mount namespace a process is in (init's first). */
    public static Rows mounts(LinuxKernel k, boolean allNamespaces) {
        List<String> problems = new ArrayList<>();
        io.chirp.linux.Namespaces.Listing ns = new io.chirp.linux.Namespaces(k).list(io.chirp.linux.Namespaces.Kind.MNT);
        problems.addAll(ns.problems());
        Mounts mounts = new Mounts(k);
        List<LinuxTables.MountRow> rows = new ArrayList<>();
        List<io.chirp.linux.Namespaces.Namespace> shown = allNamespaces ? ns.namespaces()
                : ns.namespaces().isEmpty() ? List.of() : List.of(ns.namespaces().getFirst());
        for (io.chirp.linux.Namespaces.Namespace n : shown) {
            Mounts.Listing l = mounts.list(n.address());
            for (Mount m : l.mounts()) {
                problems.addAll(m.problems());
                rows.add(new LinuxTables.MountRow(n.inum(), m));
            }
            if (!l.complete()) problems.add("mount list of mnt:[" + n.inum() + "]: " + l.problem());
        }
        return LinuxTables.MOUNTS.rows(rows, false, problems);
    }

    /** {@code files}: regular files of every mounted file system's caches (generated ones like proc if asked). */
    public static Rows files(LinuxKernel k, boolean withGenerated) { return files(k, withGenerated, null); }

    /** {@code files}: as {@link #files(LinuxKernel, boolean)}, only the file system mounted at {@code mount} if not null. */
    public static Rows files(LinuxKernel k, boolean withGenerated, String mount) {
        io.chirp.linux.fs.PageCache.Listing l = new io.chirp.linux.fs.PageCache(k).list(withGenerated);
        return LinuxTables.FILES.rows(l.files().stream().filter(f -> mount == null || mount.equals(f.mountPoint())).toList(),
                false, l.problems());
    }

    /** {@code ifconfig}: the interfaces of init_net, or of every network namespace a process is in. */
    public static Rows ifconfig(LinuxKernel k) { return ifconfig(k, false); }

    public static Rows ifconfig(LinuxKernel k, boolean allNamespaces) {
        io.chirp.linux.net.Interfaces ifs = new io.chirp.linux.net.Interfaces(k);
        List<String> problems = new ArrayList<>();
        List<io.chirp.linux.net.Interfaces.Interface> rows = new ArrayList<>();
        for (long net : namespaces(k, io.chirp.linux.Namespaces.Kind.NET, allNamespaces, k.symbol("init_net"), problems)) {
            io.chirp.linux.net.Interfaces.Listing l = ifs.list(net);
            for (io.chirp.linux.net.Interfaces.Interface i : l.interfaces()) problems.addAll(i.problems());
            if (!l.complete()) problems.add("device list: " + l.problem());
            rows.addAll(l.interfaces());
        }
        return LinuxTables.IFCONFIG.rows(rows, false, problems);
    }

    /** {@return init's namespace, or every namespace of {@code kind} a process is in} */
    private static List<Long> namespaces(LinuxKernel k, io.chirp.linux.Namespaces.Kind kind, boolean all, long init,
                                         List<String> problems) {
        if (!all) return List.of(init);
        io.chirp.linux.Namespaces.Listing l = new io.chirp.linux.Namespaces(k).list(kind);
        problems.addAll(l.problems());
        return l.namespaces().stream().map(io.chirp.linux.Namespaces.Namespace::address).toList();
    }

    /** {@code dmesg}: kernel log records of level {@code maxLevel} (0 emerg .. 7 debug) or more urgent. */
    public static Rows dmesg(LinuxKernel k, int maxLevel) {
        if (maxLevel < 0 || maxLevel > 7) throw ChirpException.usage("level must be 0..7, not " + maxLevel);
        KernelLog.Listing l = new KernelLog(k).read();
        List<String> problems = new ArrayList<>();
        if (!l.complete()) problems.add("kernel log: " + l.problem());
        KernelClock clock = clock(k, problems);
        List<LinuxTables.LogRow> rows = new ArrayList<>();
        for (LogRecord r : l.records()) if (r.level() <= maxLevel) rows.add(new LinuxTables.LogRow(r, clock));
        return LinuxTables.DMESG.rows(rows, false, problems);
    }

    /** {@code bpf}: loaded eBPF programs (or, with {@code maps}, maps) with holders and attach points. */
    public static Rows bpf(LinuxKernel k, boolean maps) {
        BpfObjects.Listing l = new BpfObjects(k).list();
        List<String> problems = new ArrayList<>(l.problems());
        if (maps) {
            for (BpfObjects.BpfMap m : l.maps()) problems.addAll(m.problems());
            return LinuxTables.BPF_MAPS.rows(l.maps(), false, problems);
        }
        for (BpfObjects.Program p : l.programs()) problems.addAll(p.problems());
        KernelClock clock = clock(k, problems);
        return LinuxTables.BPF_PROGS.rows(l.programs().stream().map(p -> new LinuxTables.BpfProgRow(p, clock)).toList(),
                false, problems);
    }

    /** {@code caps}: capability sets and ptrace relations of every process (threads too when asked). */
    public static Rows caps(LinuxKernel k, boolean threads, boolean tracedOnly, boolean names) {
        Privileges.Listing l = new Privileges(k).list(threads);
        List<String> problems = new ArrayList<>(l.problems());
        List<Privileges.Entry> shown = new ArrayList<>();
        for (Privileges.Entry e : l.entries()) {
            boolean traced = (e.tracer() != null && e.tracer() != 0) || !e.tracees().isEmpty();
            if (tracedOnly && !traced) continue;
            for (String p : e.problems()) problems.add("pid " + e.process().pid() + ": " + p);
            shown.add(e);
        }
        return LinuxTables.CAPS.rows(shown, names, problems);
    }

    /**
     * {@code history}: commands remembered in the heap of every shell (by name or executable), or of the process
     * {@code pid} whatever its name.
     */
    public static Rows history(LinuxKernel k, Integer pid) {
        Processes.Listing l = new Processes(k).list(false, false);
        List<String> problems = new ArrayList<>(walkProblems("process list", l.walk()));
        io.chirp.linux.mm.ShellHistory sh = new io.chirp.linux.mm.ShellHistory(k);
        List<io.chirp.linux.mm.ShellHistory.Command> rows = new ArrayList<>();
        for (LinuxProcess p : l.processes()) {
            if (pid != null ? p.tgid() != pid : !io.chirp.linux.mm.ShellHistory.isShell(p)) continue;
            io.chirp.linux.mm.ShellHistory.Listing h = sh.of(p);
            rows.addAll(h.commands());
            problems.addAll(h.problems());
        }
        return LinuxTables.SHELL_HISTORY.rows(rows, false, problems);
    }

    /** {@code sockscan}: TCP sockets (IPv4 and IPv6) carved from slab memory; {@code all} false leaves out the listed ones. */
    public static Rows sockscan(LinuxKernel k, boolean all) {
        io.chirp.linux.carve.SocketCarver.Result r = new io.chirp.linux.carve.SocketCarver(k).carve();
        return LinuxTables.SOCKSCAN.rows(r.sockets().stream()
                .filter(s -> all || s.status() != io.chirp.linux.carve.SocketCarver.Status.LISTED).toList(), false,
                r.complete() ? List.of() : List.of("carving is partial: " + r.problem()));
    }

    /** {@code kthreads}: kernel threads with their functions; {@code suspiciousOnly} keeps those nothing listed holds. */
    public static Rows kthreads(LinuxKernel k, boolean suspiciousOnly) {
        io.chirp.linux.KernelThreads.Listing l = new io.chirp.linux.KernelThreads(k).list();
        List<String> problems = new ArrayList<>(l.problems());
        List<io.chirp.linux.KernelThreads.Thread> shown = new ArrayList<>();
        for (io.chirp.linux.KernelThreads.Thread t : l.threads()) {
            if (suspiciousOnly && !t.suspicious()) continue;
            for (String p : t.problems()) problems.add("pid " + t.process().pid() + ": " + p);
            shown.add(t);
        }
        return LinuxTables.KTHREADS.rows(shown, false, problems);
    }

    /** {@return the guest's clock, or null with the reason added to {@code problems}} */
    private static KernelClock clock(LinuxKernel k, List<String> problems) {
        try {
            return KernelClock.read(k);
        } catch (ChirpException e) {
            problems.add("wall clock unreadable (UTC columns left empty): " + e.getMessage());
            return null;
        }
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
