package io.chirp.linux;

import io.chirp.core.ChirpException;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * The process list, read from the kernel's task list ({@code init_task.tasks}) and each process's thread list.
 * Offsets are resolved once, when the table is made; the walk is what repeats on a live guest.
 */
public final class Processes {
    /** Command lines longer than this are cut (the kernel allows far more; analysts rarely need it). */
    public static final int MAX_CMDLINE = 64 << 10;
    private static final String STATES = "RSDTtXZPI";
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
    private final long threadGroup, signal, signalThreadHead, threadNode;
    private final long credUid, credGid, credEuid, credEgid;
    private final long mmArgStart, mmArgEnd, mmEnvStart, mmEnvEnd, mmPgd, mmExeFile;
    private final long fileFPath, pathMnt, pathDentry;
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
        stateOff = l.find("task_struct", "__state").orElseGet(() -> l.offset("task_struct", "state"));
        exitState = l.offset("task_struct", "exit_state");
        startTime = l.offset("task_struct", "start_time");
        // Threads: signal->thread_head + task->thread_node where present, else the older thread_group list.
        OptionalLong th = l.find("signal_struct", "thread_head");
        OptionalLong tn = l.find("task_struct", "thread_node");
        signal = l.offset("task_struct", "signal");
        signalThreadHead = th.orElse(-1);
        threadNode = tn.orElse(-1);
        threadGroup = l.find("task_struct", "thread_group").orElse(-1);
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
    }

    /** {@return the address of every task_struct on the task list (thread-group leaders)} */
    public Walk leaders() {
        long initTask = k.symbol("init_task");
        return Walk.listHead(r, initTask + tasks, tasks, Walk.DEFAULT_LIMIT);
    }

    /** {@return the threads of a process (including the leader)} */
    public Walk threads(long leader) {
        if (signalThreadHead >= 0 && threadNode >= 0) {
            long sig = r.u64(leader + signal);
            return Walk.listHead(r, sig + signalThreadHead, threadNode, 1 << 16);
        }
        if (threadGroup >= 0) {
            Walk w = Walk.listHead(r, leader + threadGroup, threadGroup, 1 << 16);
            List<Long> all = new ArrayList<>();
            all.add(leader);
            all.addAll(w.items());
            return new Walk(all, w.complete(), w.problem());
        }
        throw ChirpException.unavailable("this kernel has no known thread list");
    }

    /** Lists processes (and their threads if asked); the swapper (pid 0) is included as Linux lists it. */
    public Listing list(boolean withThreads, boolean withCmdline) {
        Walk w = leaders();
        List<LinuxProcess> out = new ArrayList<>();
        out.add(read(k.symbol("init_task"), withCmdline));
        for (long t : w.items()) {
            if (!withThreads) {
                out.add(read(t, withCmdline));
                continue;
            }
            Walk tw;
            try {
                tw = threads(t);
            } catch (ChirpException e) {
                out.add(read(t, withCmdline));
                continue;
            }
            for (long th : tw.items()) out.add(read(th, withCmdline));
        }
        return new Listing(out, w);
    }

    /** Reads one task_struct into a row; never throws for a bad field, only for an unreadable task. */
    public LinuxProcess read(long task, boolean withCmdline) {
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
        if (mmPtr != 0 && !kthread) {
            if (withCmdline) {
                try {
                    cmdline = userString(mmPtr, mmArgStart, mmArgEnd);
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
                cmdline, exe, problems);
    }

    /** {@return the environment of a process as read from its own memory} */
    public List<String> environment(LinuxProcess proc) {
        if (proc.mm() == 0) return List.of();
        String env = userString(proc.mm(), mmEnvStart, mmEnvEnd);
        return List.of(env.split("\u0000"));
    }

    /** Reads [mm->start, mm->end) from the process's address space; NULs become spaces for argv, kept for env. */
    private String userString(long mmPtr, long startOff, long endOff) {
        long start = r.u64(mmPtr + startOff);
        long end = r.u64(mmPtr + endOff);
        if (end <= start) return "";
        int len = (int) Math.min(end - start, MAX_CMDLINE);
        KernelReader user = r.in(k.userSpace(r.u64(mmPtr + mmPgd)));
        byte[] b = user.bytes(start, len);
        int n = b.length;
        while (n > 0 && b[n - 1] == 0) n--;
        boolean env = startOff == mmEnvStart;
        StringBuilder sb = new StringBuilder(n);
        String s = new String(b, 0, n, java.nio.charset.StandardCharsets.UTF_8);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            sb.append(c == 0 && !env ? ' ' : c);
        }
        return sb.toString();
    }

    /** The kernel's own mapping from task state bits to the letters ps shows (task_state_index). */
    static int stateIndex(int state, int exit) {
        int report = 0x7f;
        int s = (state | exit) & report;
        if ((state & 0x402) == 0x402) s = 0x80;
        return s == 0 ? 0 : 32 - Integer.numberOfLeadingZeros(s);
    }
}
