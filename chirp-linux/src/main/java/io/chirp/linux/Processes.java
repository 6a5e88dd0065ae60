package io.chirp.linux;

import io.chirp.core.ChirpException;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The process list, read from the kernel's task list ({@code init_task.tasks}) and each process's thread list.
 * Offsets are resolved once, when the table is made; the walk is what repeats on a live guest.
 */
public final class Processes {
    /**
     * Command lines (and environments) longer than this are cut, and the row says so
     * ({@link LinuxProcess#cmdlineTruncated()}): the kernel allows far more, analysts rarely need it.
     */
    public static final int MAX_CMDLINE = 64 << 10;
    /** Threads per process read at most (the kernel's default threads-max is far higher, real processes far lower). */
    public static final int MAX_THREADS = 1 << 16;
    /** struct pid objects visited at most (PID_MAX_LIMIT is 4M; real guests have far fewer). */
    static final int MAX_PIDS = 1 << 22;
    static final int MAX_PID_NODES = 1 << 18;
    /** The state letters, indexed by {@link #stateIndex}. */
    public static final String STATES = "RSDTtXZPI";
    private static final int PF_KTHREAD = 0x00200000;

    /**
     * A listing and whether the walk that produced it was complete.
     *
     * @param processes the rows
     * @param walk      the task-list walk (incomplete if the list was corrupt or changed under us)
     */
    public record Listing(List<LinuxProcess> processes, Walk walk) {}

    private final LinuxKernel k;
    private final KernelReader r;
    private final Paths paths;
    final long tasks, pid, tgid, comm, realParent, cred, mm, flags, stateOff, exitState, startTime;
    /** Counts the execs of a task (-1 when the kernel's types do not have it): what says a task ran a new program. */
    private final long selfExecId;
    private final long threadGroup, signal, signalThreadHead, threadNode;
    private final long credUid, credGid, credEuid, credEgid;
    private final long mmArgStart, mmArgEnd, mmEnvStart, mmEnvEnd, mmPgd, mmExeFile;
    private final long fileFPath, pathMnt, pathDentry;
    private final long groupLeader, idrRt, idrNext, pidTasks, pidLinks;
    private final XArray xarray;
    private final int commSize;

    public Processes(LinuxKernel k) {
        this.k = k;
        this.r = k.reader();
        this.paths = new Paths(k);
        Layout l = k.layout();
        tasks = l.offset("task_struct", "tasks");
        pid = l.offset("task_struct", "pid");
        tgid = l.offset("task_struct", "tgid");
        comm = l.offset("task_struct", "comm");
        commSize = 16;
        realParent = l.offset("task_struct", "real_parent");
        cred = l.offset("task_struct", "cred");
        mm = l.offset("task_struct", "mm");
        flags = l.offset("task_struct", "flags");
        // Linux 5.14 renamed task_struct.state to __state.
        stateOff = l.offset("task_struct", k.features().taskState() == KernelFeatures.TaskState.STATE ? "state" : "__state");
        exitState = l.offset("task_struct", "exit_state");
        startTime = l.offset("task_struct", "start_time");
        selfExecId = l.find("task_struct", "self_exec_id").orElse(-1);
        // Threads: signal->thread_head + task->thread_node where present, else the older thread_group list.
        boolean head = k.features().threads() == KernelFeatures.Threads.SIGNAL_THREAD_HEAD;
        signal = l.offset("task_struct", "signal");
        signalThreadHead = head ? l.offset("signal_struct", "thread_head") : -1;
        threadNode = head ? l.offset("task_struct", "thread_node") : -1;
        threadGroup = k.features().threads() == KernelFeatures.Threads.THREAD_GROUP ? l.offset("task_struct", "thread_group") : -1;
        credUid = l.offset("cred", "uid");
        credGid = l.offset("cred", "gid");
        credEuid = l.offset("cred", "euid");
        credEgid = l.offset("cred", "egid");
        mmArgStart = l.offset("mm_struct", "arg_start");
        mmArgEnd = l.offset("mm_struct", "arg_end");
        mmEnvStart = l.offset("mm_struct", "env_start");
        mmEnvEnd = l.offset("mm_struct", "env_end");
        mmPgd = l.offset("mm_struct", "pgd");
        mmExeFile = l.offset("mm_struct", "exe_file");
        fileFPath = l.offset("file", "f_path");
        pathMnt = l.offset("path", "mnt");
        pathDentry = l.offset("path", "dentry");
        groupLeader = l.offset("task_struct", "group_leader");
        idrRt = l.find("idr", "idr_rt").orElse(-1);
        idrNext = l.find("pid_namespace", "idr").isPresent() && l.find("idr", "idr_next").isPresent()
                ? l.offset("pid_namespace", "idr") + l.offset("idr", "idr_next") : -1;
        pidTasks = l.find("pid", "tasks").orElse(-1);
        pidLinks = l.find("task_struct", "pid_links").orElse(-1);
        xarray = new XArray(k);
    }

    /**
     * {@return the address of every task_struct on the task list (thread-group leaders)} Only the task list: a
     * broken link is worked around by walking the list backwards ({@link Walk#listHead}), never by other sources, so
     * that the hidden-process check can compare this view with the others.
     */
    public Walk leaders() {
        long initTask = k.symbol("init_task");
        return Walk.listHead(r, initTask + tasks, tasks, Walk.DEFAULT_LIMIT);
    }

    /**
     * {@return every thread-group leader CHIRP can find} The task list ({@link #leaders()}); if its walk broke, also
     * the leaders that only the PID table ({@link #pidView()}) knows, and the walk says how many. What pslist, lsof,
     * maps and sockets walk.
     */
    public Walk allLeaders() {
        Walk w = leaders();
        return w.complete() ? w : recoverFromPidTable(w, k.symbol("init_task"));
    }

    /** {@return the threads of a process (including the leader)} */
    public Walk threads(long leader) {
        if (signalThreadHead >= 0 && threadNode >= 0) {
            long sig = r.u64(leader + signal);
            return Walk.listHead(r, sig + signalThreadHead, threadNode, MAX_THREADS);
        }
        if (threadGroup >= 0) {
            Walk w = Walk.listHead(r, leader + threadGroup, threadGroup, MAX_THREADS);
            return new Walk(List.of(leader), true, "").with(w.items(), w.problem());
        }
        throw ChirpException.unavailable("this kernel has no known thread list");
    }

    /**
     * {@return every task reachable from the PID allocator of the initial namespace (threads included)}: the
     * {@code init_pid_ns.idr} xarray of {@code struct pid}, each with its task on {@code pid->tasks[PIDTYPE_PID]}.
     * This is how /proc finds processes, and it does not depend on the task list.
     */
    public Walk pidView() {
        if (idrRt < 0 || pidTasks < 0 || pidLinks < 0) return Walk.partial(List.of(), "this kernel has no known PID table");
        Walk pids;
        try {
            pids = xarray.entries(k.symbol("init_pid_ns") + idrRt, MAX_PIDS, MAX_PID_NODES);
        } catch (ChirpException e) {
            return Walk.partial(List.of(), "init_pid_ns unavailable: " + e.getMessage());
        }
        List<Long> found = new ArrayList<>();
        int broken = 0;
        for (long pid : pids.items()) {
            Walk w = Walk.hlist(r, pid + pidTasks, pidLinks, 16); // PIDTYPE_PID is entry 0 of pid->tasks[]
            found.addAll(w.items());
            if (!w.complete()) broken++;
        }
        return new Walk(found, pids.complete(), pids.problem())
                .with(List.of(), broken == 0 ? "" : broken + " struct pid with an unreadable task chain");
    }

    /**
     * The kernel's own counts of new tasks, read in two words: what says how many tasks started between two looks
     * even when they have already exited.
     *
     * @param forks   {@code total_forks}: every fork and clone since boot (threads and kernel threads too); -1 if absent
     * @param nextPid {@code init_pid_ns.idr.idr_next}: the next pid the allocator will try (it wraps at pid_max)
     */
    public record Counters(long forks, int nextPid) {}

    /** {@return the fork counter and the PID allocator's cursor, now} */
    public Counters counters() {
        long forks = k.symbols().lookup("total_forks").map(s -> r.u64(s.address())).orElse(-1L);
        int next = idrNext >= 0 ? r.u32(k.symbol("init_pid_ns") + idrNext) : -1;
        return new Counters(forks, next);
    }

    /**
     * Lists processes (and their threads if asked); the swapper (pid 0) is included as Linux lists it. If the task
     * list is broken, the thread-group leaders the PID table knows and the walk did not reach are listed too, and
     * the listing's walk says so: a corrupt link costs completeness, never the listing.
     */
    public Listing list(boolean withThreads, boolean withCmdline) { return list(withThreads, withCmdline, null); }

    /**
     * A row read at an earlier poll, with the exec count that proves the task still runs the same program.
     *
     * @param process the row
     * @param execId  the task's {@code self_exec_id} when it was read (-1 if the kernel has none)
     */
    public record Seen(LinuxProcess process, long execId) { }

    /**
     * {@return the listing, as {@link #list(boolean, boolean)}, reading command lines and executables only for tasks
     * that are new or ran a new program since the last poll}. A task is the same program run when its address,
     * start time, mm, exec count ({@code self_exec_id}) and kernel-thread flag are those of the row in {@code seen}
     * and that row was read without problems; then its command line and executable path come from that row (both
     * are set by exec; a program that rewrites its own argv in memory is not seen again until it execs). Pid,
     * parent, credentials, name and state are read every time. {@code seen} is the caller's, keyed by task
     * address; it is updated with this listing's rows and forgets tasks that are gone. Null: read everything.
     */
    public Listing list(boolean withThreads, boolean withCmdline, java.util.Map<Long, Seen> seen) {
        long initTask = k.symbol("init_task");
        Walk w = allLeaders();
        List<LinuxProcess> out = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        List<Long> tasks = new ArrayList<>();
        tasks.add(initTask);
        tasks.addAll(w.items());
        Set<Long> reached = new HashSet<>();
        for (long t : tasks) {
            List<Long> rows = List.of(t);
            if (withThreads && t != initTask) {
                try {
                    Walk tw = threads(t);
                    if (!tw.complete()) problems.add("threads of task 0x" + Long.toHexString(t) + ": " + tw.problem());
                    if (!tw.items().isEmpty()) rows = tw.items();
                } catch (ChirpException e) {
                    problems.add("threads of task 0x" + Long.toHexString(t) + " unreadable: " + e.getMessage());
                }
            }
            for (long row : rows) {
                try {
                    out.add(seen == null ? read(row, withCmdline) : readSeen(row, withCmdline, seen, reached));
                } catch (ChirpException e) {
                    problems.add("task at 0x" + Long.toHexString(row) + " unreadable, left out: " + e.getMessage());
                }
            }
        }
        if (seen != null) seen.keySet().retainAll(reached);
        return new Listing(out, w.with(List.of(), String.join("; ", problems)));
    }

    private LinuxProcess readSeen(long task, boolean withCmdline, java.util.Map<Long, Seen> seen, Set<Long> reached) {
        long exec = -1;
        if (selfExecId >= 0) {
            try {
                exec = r.u32(task + selfExecId);
            } catch (ChirpException e) {
                exec = -2;   // unreadable: never equal to a stored count, so the task is read in full
            }
        }
        Seen before = seen.get(task);
        LinuxProcess known = before != null && before.execId() == exec && exec != -2 ? before.process() : null;
        LinuxProcess p = read(task, withCmdline, known);
        reached.add(task);
        seen.put(task, new Seen(p, exec));
        return p;
    }

    /** Adds the leaders that only the PID table knows to a broken task-list walk, and says how many. */
    private Walk recoverFromPidTable(Walk broken, long initTask) {
        Set<Long> known = new HashSet<>(broken.items());
        known.add(initTask);
        Walk pids = pidView();
        List<Long> more = new ArrayList<>();
        for (long t : pids.items()) {
            long leader;
            try {
                leader = r.u64(t + groupLeader);
                if (leader == 0 || r.u32(leader + tgid) == 0) continue; // idle tasks of other CPUs: never listed
            } catch (ChirpException e) {
                continue;
            }
            if (known.add(leader)) more.add(leader);
        }
        String how = "the PID table (init_pid_ns.idr) gave " + more.size() + " more "
                + (more.size() == 1 ? "process" : "processes") + " the task-list walk missed"
                + (pids.complete() ? "" : " (PID table partial too: " + pids.problem() + ")");
        return broken.with(more, how);
    }

    /** Reads one task_struct into a row; never throws for a bad field, only for an unreadable task. */
    public LinuxProcess read(long task, boolean withCmdline) { return read(task, withCmdline, null); }

    /** Reads a task; command line and executable come from {@code known} when it is the same program run. */
    private LinuxProcess read(long task, boolean withCmdline, LinuxProcess known) {
        List<String> problems = new ArrayList<>();
        int p = r.u32(task + pid);
        int tg = r.u32(task + tgid);
        String name = r.chars(task + comm, commSize);
        int pp = -1;
        try {
            pp = r.u32(r.u64(task + realParent) + tgid);
        } catch (ChirpException e) {
            problems.add("parent: " + e.getMessage());
        }
        Integer uid = null, gid = null, euid = null, egid = null;
        long credPtr = 0;
        try {
            credPtr = r.u64(task + cred);
            uid = r.u32(credPtr + credUid);
            gid = r.u32(credPtr + credGid);
            euid = r.u32(credPtr + credEuid);
            egid = r.u32(credPtr + credEgid);
        } catch (ChirpException e) {
            problems.add("cred: " + e.getMessage());
        }
        Double start = null;
        try {
            start = r.u64(task + startTime) / 1e9;
        } catch (ChirpException e) {
            problems.add("start_time: " + e.getMessage());
        }
        String state = "?";
        boolean kthread = false;
        long mmPtr = 0;
        try {
            int st = r.u32(task + stateOff);
            int ex = r.u32(task + exitState);
            state = String.valueOf(STATES.charAt(stateIndex(st, ex)));
            kthread = (r.u32(task + flags) & PF_KTHREAD) != 0;
            mmPtr = r.u64(task + mm);
        } catch (ChirpException e) {
            problems.add("state: " + e.getMessage());
        }
        String cmdline = null, exe = null;
        boolean cut = false;
        boolean sameRun = known != null && known.task() == task && known.mm() == mmPtr && mmPtr != 0
                && known.kernelThread() == kthread && java.util.Objects.equals(known.startSeconds(), start)
                && known.problems().isEmpty() && problems.isEmpty() && (known.cmdline() != null || !withCmdline);
        if (sameRun) {
            cmdline = withCmdline ? known.cmdline() : null;
            cut = withCmdline && known.cmdlineTruncated();
            exe = known.exe();
        } else if (mmPtr != 0 && !kthread) {
            if (withCmdline) {
                try {
                    UserStrings args = userStrings(mmPtr, mmArgStart, mmArgEnd);
                    cmdline = String.join(" ", args.strings());
                    cut = args.truncated();
                } catch (ChirpException e) {
                    problems.add("cmdline: " + e.getMessage());
                }
            }
            try {
                long file = r.u64(mmPtr + mmExeFile);
                if (file != 0) exe = paths.path(r.u64(file + fileFPath + pathMnt), r.u64(file + fileFPath + pathDentry));
            } catch (ChirpException e) {
                problems.add("exe: " + e.getMessage());
            }
        }
        return new LinuxProcess(p, tg, pp, name, uid, gid, euid, egid, start, state, kthread, task, mmPtr, credPtr,
                cmdline, cut, exe, problems);
    }

    /** {@return the environment of a process as read from its own memory (cut at {@link #MAX_CMDLINE} bytes)} */
    public List<String> environment(LinuxProcess proc) {
        return environmentOf(proc).strings();
    }

    /** {@return the environment of a process, and whether it was cut at {@link #MAX_CMDLINE} bytes} */
    public UserStrings environmentOf(LinuxProcess proc) {
        if (proc.mm() == 0) return new UserStrings(List.of(), false, 0);
        return userStrings(proc.mm(), mmEnvStart, mmEnvEnd);
    }

    /** {@return the argument vector of a process as read from its own memory (cut at {@link #MAX_CMDLINE} bytes)} */
    public UserStrings argumentsOf(LinuxProcess proc) {
        if (proc.mm() == 0) return new UserStrings(List.of(), false, 0);
        return userStrings(proc.mm(), mmArgStart, mmArgEnd);
    }

    /**
     * NUL-separated strings from a process's own memory (its argv or environment block).
     *
     * @param strings   each string decoded as guest text ({@link KernelReader#decode})
     * @param truncated true if the block is longer than {@link #MAX_CMDLINE} and only its start was read
     * @param length    the block's length as the mm_struct gives it
     */
    public record UserStrings(List<String> strings, boolean truncated, long length) {
        public UserStrings { strings = List.copyOf(strings); }
    }

    /** Reads [mm->start, mm->end) from the process's address space and splits it at its NULs. */
    private UserStrings userStrings(long mmPtr, long startOff, long endOff) {
        long start = r.u64(mmPtr + startOff);
        long end = r.u64(mmPtr + endOff);
        if (Long.compareUnsigned(end, start) <= 0) return new UserStrings(List.of(), false, 0);
        long total = end - start;
        boolean truncated = Long.compareUnsigned(total, MAX_CMDLINE) > 0;
        int len = truncated ? MAX_CMDLINE : (int) total;
        KernelReader user = r.in(k.userSpace(r.u64(mmPtr + mmPgd)));
        byte[] b = user.bytes(start, len);
        int n = b.length;
        while (n > 0 && b[n - 1] == 0) n--;
        List<String> out = new ArrayList<>();
        int from = 0;
        for (int i = 0; i <= n; i++) {
            if (i == n || b[i] == 0) {
                out.add(KernelReader.decode(b, from, i - from));
                from = i + 1;
            }
        }
        if (n == 0) out.clear();
        return new UserStrings(out, truncated, total);
    }

    /** The kernel's own mapping from task state bits to the letters ps shows (task_state_index). */
    public static int stateIndex(int state, int exit) {
        int report = 0x7f;
        int s = (state | exit) & report;
        if ((state & 0x402) == 0x402) s = 0x80;
        return s == 0 ? 0 : 32 - Integer.numberOfLeadingZeros(s);
    }
}
