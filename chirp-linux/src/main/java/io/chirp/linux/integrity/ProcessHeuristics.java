package io.chirp.linux.integrity;

import io.chirp.core.ChirpException;
import io.chirp.linux.KernelReader;
import io.chirp.linux.LinuxKernel;
import io.chirp.linux.LinuxProcess;
import io.chirp.linux.Processes;
import io.chirp.linux.fs.FileInfo;
import io.chirp.linux.fs.KernelFiles;
import io.chirp.linux.mm.MemoryMap;
import io.chirp.linux.mm.MemoryMaps;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Heuristics over user processes, in the spirit of Volatility's {@code malfind} and MemProcFS's FindEvil: things a
 * clean system rarely shows and intruders often do. Unlike the integrity checks they do not prove tampering, so
 * most are warnings; each finding carries what an analyst needs to look for themselves.
 * <ul>
 *   <li><b>wx_memory</b>: a mapping both writable and executable (injected or self-unpacking code); anonymous
 *       memory, heap and stack are warnings, writable+executable file mappings informational;</li>
 *   <li><b>exe_location</b>: the executable lives in a temporary folder (/tmp, /var/tmp, /dev/shm), was deleted
 *       while running, or exists only in memory ({@code memfd:}, fileless malware: critical);</li>
 *   <li><b>masquerade</b>: the kernel's name ({@code comm}, set at exec from the file name) matches neither argv[0]
 *       nor, for a script, argv[1]: {@code exec -a sleep /tmp/miner}; or a user process named like a kernel
 *       thread ({@code kworker...}, {@code [name]});</li>
 *   <li><b>orphans</b>: a process whose parent is not in the task list (a parent that exits hands its children to
 *       a reaper, so a missing one is hidden or the list is damaged).</li>
 * </ul>
 * Credentials shared between unrelated tasks are the {@code credentials} check's ({@link CredentialsCheck}).
 */
public final class ProcessHeuristics {
    /** TASK_COMM_LEN - 1: the kernel keeps the first 15 bytes of the file name. */
    private static final int COMM_CHARS = 15;
    private static final List<String> TEMP_DIRS = List.of("/tmp/", "/var/tmp/", "/dev/shm/", "/run/shm/");
    private static final List<String> KERNEL_THREAD_NAMES = List.of("kworker", "kthreadd", "ksoftirqd", "kswapd",
            "migration/", "rcu_", "watchdog/", "kblockd", "kcompactd", "khugepaged", "jbd2/", "irq/");

    private final LinuxKernel k;
    private final KernelReader r;
    private final Processes processes;
    private final KernelFiles files;
    private final long mmExe;

    public ProcessHeuristics(LinuxKernel k) {
        this.k = k;
        this.r = k.reader();
        this.processes = new Processes(k);
        this.files = new KernelFiles(k);
        this.mmExe = k.layout().offset("mm_struct", "exe_file");
    }

    /** The user processes (thread-group leaders with memory), with the task walk's problem if it was partial. */
    private record Users(List<LinuxProcess> all, List<LinuxProcess> users, List<String> problems) {}

    private Users users() {
        Processes.Listing l = processes.list(false, false);
        List<String> problems = new ArrayList<>();
        if (!l.walk().complete()) problems.add("task list: " + l.walk().problem());
        List<LinuxProcess> users = l.processes().stream().filter(p -> !p.kernelThread() && p.mm() != 0).toList();
        return new Users(l.processes(), users, problems);
    }

    /** {@return writable and executable mappings of user processes} */
    public IntegrityReport.Section wxMemory() {
        Users u = users();
        List<String> problems = new ArrayList<>(u.problems());
        List<IntegrityFinding> out = new ArrayList<>();
        MemoryMaps maps = new MemoryMaps(k);
        int examined = 0;
        for (LinuxProcess p : u.users()) {
            MemoryMaps.Listing l = maps.of(p);
            if (!l.complete()) problems.add("pid " + p.pid() + " maps: " + String.join("; ", l.problems()));
            for (MemoryMap m : l.maps()) {
                examined++;
                if (m.perms().charAt(1) != 'w' || m.perms().charAt(2) != 'x') continue;
                boolean anonymous = m.name() == null || m.name().startsWith("[");
                out.add(new IntegrityFinding.WritableExecutable(p.pid(), p.comm(), m.start(), m.end(), m.perms(), m.name(),
                        anonymous ? IntegrityFinding.Severity.WARNING : IntegrityFinding.Severity.INFO));
            }
        }
        return new IntegrityReport.Section("wx_memory", examined, out, problems.isEmpty(), problems);
    }

    /** {@return processes whose executable is in a temporary folder, deleted, or in memory only} */
    public IntegrityReport.Section exeLocation() {
        Users u = users();
        List<String> problems = new ArrayList<>(u.problems());
        List<IntegrityFinding> out = new ArrayList<>();
        for (LinuxProcess p : u.users()) {
            String exe;
            try {
                long file = r.u64(p.mm() + mmExe);
                if (file == 0) continue;
                FileInfo f = files.describe(file);
                if (f.name() == null) {
                    problems.add("pid " + p.pid() + " executable: " + String.join("; ", f.problems()));
                    continue;
                }
                exe = f.name();
            } catch (ChirpException e) {
                problems.add("pid " + p.pid() + " executable: " + e.getMessage());
                continue;
            }
            IntegrityFinding f = exeFinding(p, exe);
            if (f != null) out.add(f);
        }
        return new IntegrityReport.Section("exe_location", u.users().size(), out, problems.isEmpty(), problems);
    }

    /** {@return the finding for one executable path as the kernel names it, or null if it is unremarkable} */
    static IntegrityFinding exeFinding(LinuxProcess p, String exe) {
        // shmem names memfd files "memfd:NAME"; d_path puts them at the root of the internal mount
        if (exe.startsWith("/memfd:") || exe.startsWith("memfd:")) {
            return new IntegrityFinding.SuspiciousExecutable(p.pid(), p.comm(), exe,
                    "runs from a memfd (fileless, in memory only)", IntegrityFinding.Severity.CRITICAL);
        }
        if (exe.endsWith(" (deleted)")) {
            return new IntegrityFinding.SuspiciousExecutable(p.pid(), p.comm(), exe,
                    "runs an executable deleted since it started", IntegrityFinding.Severity.WARNING);
        }
        for (String dir : TEMP_DIRS) {
            if (exe.startsWith(dir)) {
                return new IntegrityFinding.SuspiciousExecutable(p.pid(), p.comm(), exe,
                        "runs from a temporary folder (" + dir + ")", IntegrityFinding.Severity.WARNING);
            }
        }
        return null;
    }

    /** {@return processes whose kernel name, argv[0] and executable disagree} */
    public IntegrityReport.Section masquerade() {
        Users u = users();
        List<String> problems = new ArrayList<>(u.problems());
        List<IntegrityFinding> out = new ArrayList<>();
        for (LinuxProcess p : u.users()) {
            List<String> argv;
            try {
                argv = processes.argumentsOf(p).strings();
            } catch (ChirpException e) {
                problems.add("pid " + p.pid() + " argv: " + e.getMessage());
                continue;
            }
            IntegrityFinding f = masqueradeFinding(p, argv);
            if (f != null) out.add(f);
        }
        return new IntegrityReport.Section("masquerade", u.users().size(), out, problems.isEmpty(), problems);
    }

    /**
     * {@return a masquerade finding for a user process with this argv, or null}. At exec the kernel sets comm to
     * the first 15 bytes of the executed file's name (a script's own name, not its interpreter's); argv[0] is
     * whatever the caller chose. Programs that rename themselves (prctl, argv rewriting such as "sshd: user") are
     * accepted when comm is the first word of argv[0].
     */
    static IntegrityFinding masqueradeFinding(LinuxProcess p, List<String> argv) {
        String comm = p.comm();
        String argv0 = argv.isEmpty() ? null : argv.getFirst();
        for (String prefix : KERNEL_THREAD_NAMES) {
            if (comm.startsWith(prefix) || (argv0 != null && base(argv0).startsWith(prefix))) {
                return new IntegrityFinding.Masquerade(p.pid(), comm, argv0, p.exe(),
                        "is a user process named like a kernel thread (" + prefix + "...)");
            }
        }
        if (argv0 != null && argv0.startsWith("[") && argv0.endsWith("]")) {
            return new IntegrityFinding.Masquerade(p.pid(), comm, argv0, p.exe(),
                    "is a user process whose argv[0] is bracketed like a kernel thread's");
        }
        if (argv0 == null || argv0.isEmpty()) return null; // exiting, or an empty argv (execve with argv NULL)
        if (nameMatches(comm, argv0) || (argv.size() > 1 && nameMatches(comm, argv.get(1)))) return null;
        return new IntegrityFinding.Masquerade(p.pid(), comm, argv0, p.exe(),
                "runs as '" + comm + "' but calls itself '" + argv0 + "'");
    }

    /** {@return true if comm is what the kernel would set for {@code arg}, or its first word} */
    private static boolean nameMatches(String comm, String arg) {
        String a = arg.startsWith("-") ? arg.substring(1) : arg;
        if (trim(base(a)).equals(comm)) return true;
        int colon = a.indexOf(':'), space = a.indexOf(' ');
        int cut = colon < 0 ? space : space < 0 ? colon : Math.min(colon, space);
        return cut > 0 && trim(base(a.substring(0, cut))).equals(comm);
    }

    private static String trim(String s) { return s.length() > COMM_CHARS ? s.substring(0, COMM_CHARS) : s; }

    private static String base(String path) {
        int i = path.lastIndexOf('/');
        return i < 0 ? path : path.substring(i + 1);
    }

    /** {@return processes whose parent is not in the task list} */
    public IntegrityReport.Section orphans() {
        Users u = users();
        List<String> problems = new ArrayList<>(u.problems());
        Map<Integer, LinuxProcess> byTgid = new HashMap<>();
        for (LinuxProcess p : u.all()) byTgid.putIfAbsent(p.tgid(), p);
        List<IntegrityFinding> out = new ArrayList<>();
        long realParent = k.layout().offset("task_struct", "real_parent");
        for (LinuxProcess p : u.all()) {
            // pid 1 and kthreadd (2) are children of the idle task (0), which is not in the task list
            if (p.tgid() == 0 || p.ppid() <= 0 || byTgid.containsKey(p.ppid())) continue;
            long parent = 0;
            try {
                parent = r.u64(p.task() + realParent);
            } catch (ChirpException e) {
                problems.add("pid " + p.pid() + " parent: " + e.getMessage());
            }
            out.add(new IntegrityFinding.Orphan(p.pid(), p.comm(), p.ppid(), parent));
        }
        return new IntegrityReport.Section("orphans", u.all().size(), out, problems.isEmpty(), problems);
    }
}
