package io.chirp.linux.carve;

import io.chirp.core.ChirpException;
import io.chirp.linux.KernelReader;
import io.chirp.linux.Layout;
import io.chirp.linux.LinuxKernel;
import io.chirp.linux.LinuxProcess;
import io.chirp.linux.Processes;
import io.chirp.linux.Walk;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * psscan: task_structs recovered from the {@code task_struct} slab cache, whether or not any list still leads to
 * them. A slot is a task only if it passes every structural check ({@link #plausible}): pid and tgid in the PID
 * range, a printable NUL-terminated comm, kernel pointers where the kernel keeps them (parent: slab or init_task, group leader, cred,
 * stack, list links), a group leader that is itself when pid equals tgid, an mm that is null or a direct-map address,
 * and a start time in range. A freed slot keeps most of its task until the slab reuses it; SLUB writes its free
 * pointer into the middle of the object, which no check here reads.
 *
 * <p>Each task is then placed against the kernel's views: on the task list, exited (off the list, and the kernel
 * itself marked it dead and poisoned its list link), hidden (off the list but alive: not dead, and its thread links
 * consistent with its signal struct, or the PID table still holding it), or stale. A task seen hidden is read again
 * after the listing, so one that exited meanwhile is not called hidden.
 */
public final class TaskCarver {
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** PID_MAX_LIMIT on 64-bit kernels. */
    static final int PID_MAX = 4 * 1024 * 1024;
    /** The list_del poison the kernel writes into an unlinked entry's prev (LIST_POISON2 with the x86-64 delta). */
    static final long LIST_POISON2 = 0xdead000000000122L;
    private static final int EXIT_DEAD = 0x10, EXIT_ZOMBIE = 0x20, TASK_DEAD = 0x80;
    /** A start time beyond this (about 30 years of uptime) is not a start time. */
    private static final long MAX_START_NS = 1_000_000_000L * 86400 * 365 * 30;

    /**
     * What a carve found.
     *
     * @param tasks       the tasks, in slab order
     * @param slots       object slots examined
     * @param slabs       slabs of the cache found
     * @param complete    false when the struct page array or some slabs could not be read
     * @param problem     why not complete ("" when complete)
     */
    public record Result(List<CarvedTask> tasks, long slots, long slabs, boolean complete, String problem) {
        public Result { tasks = List.copyOf(tasks); }
    }

    private final LinuxKernel k;
    private final KernelReader r;
    private final Slabs slabs;
    private final Processes processes;
    private final long tasks, pid, tgid, comm, realParent, groupLeader, cred, mm, stack, stateOff, exitState, startTime,
            signal, threadNode, signalThreadHead, credUid;
    private final long directMapStart, directMapEnd, initTask;
    private Slabs.Cache cache;
    private Slabs.Scan lastScan;
    private long lastScanNanos;

    public TaskCarver(LinuxKernel k) {
        this.k = k;
        this.r = k.reader();
        this.slabs = new Slabs(k);
        this.processes = new Processes(k);
        Layout l = k.layout();
        tasks = l.offset("task_struct", "tasks");
        pid = l.offset("task_struct", "pid");
        tgid = l.offset("task_struct", "tgid");
        comm = l.offset("task_struct", "comm");
        realParent = l.offset("task_struct", "real_parent");
        groupLeader = l.offset("task_struct", "group_leader");
        cred = l.offset("task_struct", "cred");
        mm = l.offset("task_struct", "mm");
        stack = l.offset("task_struct", "stack");
        stateOff = l.find("task_struct", "__state").orElseGet(() -> l.offset("task_struct", "state"));
        exitState = l.offset("task_struct", "exit_state");
        startTime = l.offset("task_struct", "start_time");
        signal = l.offset("task_struct", "signal");
        threadNode = l.find("task_struct", "thread_node").orElse(-1);
        signalThreadHead = l.find("signal_struct", "thread_head").orElse(-1);
        credUid = l.offset("cred", "uid");
        directMapStart = k.info().pageOffsetBase();
        directMapEnd = directMapStart + k.memory().limit();
        initTask = k.symbol("init_task"); // the parent of pid 1 and 2, in the kernel image rather than in slab
    }

    /** {@return the task_struct cache, found once} */
    public Slabs.Cache cache() {
        if (cache == null) {
            cache = slabs.cache("task_struct").orElseThrow(() -> ChirpException.notFound(
                    "no kmem_cache named task_struct on slab_caches: task carving unavailable on this kernel"));
        }
        return cache;
    }

    /** Carves every task and places it against the task list and the PID table. */
    public Result carve() {
        Slabs.Cache c = cache();
        Slabs.Scan scan = slabs.slabs(c);
        List<String> problems = new ArrayList<>();
        if (!scan.complete()) problems.add("struct page array: " + scan.problem());
        List<Long> found = new ArrayList<>();
        Slabs.Visited v = slabs.objects(c, scan.slabs(), (seg, off, t) -> {
            if (plausible(seg, off, t)) found.add(t);
        });
        long slots = v.slots();
        if (v.unreadable() > 0) problems.add(v.unreadable() + " slabs unreadable");
        Views views = views(problems);
        List<CarvedTask> out = new ArrayList<>();
        List<Long> suspects = new ArrayList<>();
        for (long t : found) if (!views.listed.contains(t)) suspects.add(t);
        // Read the list once more: a task that exited (or was born) since the first listing is not hidden.
        Views again = suspects.isEmpty() ? views : views(new ArrayList<>());
        for (long t : found) {
            try {
                out.add(describe(t, views.listed.contains(t) || again.listed.contains(t), views.pids.contains(t)
                        || again.pids.contains(t)));
            } catch (ChirpException e) {
                problems.add("task at 0x" + Long.toHexString(t) + " changed while read: " + e.getMessage());
            }
        }
        String problem = String.join("; ", problems);
        return new Result(out, slots, scan.slabs().size(), problem.isEmpty(), problem);
    }

    /**
     * {@return the tasks the kernel itself finished with (exit_state dead and TASK_DEAD), from slabs found at most
     * {@code maxSlabAge} ago} No list is compared, so this costs one read per slab: what a monitor polling every
     * millisecond can afford. A dead task keeps its pid, parent pointer, name and start time, but its memory (mm,
     * argv, exe) went with exit_mm: only live polling sees those.
     */
    public List<CarvedTask> exited(java.time.Duration maxSlabAge) {
        Slabs.Cache c = cache();
        long now = System.nanoTime();
        if (lastScan == null || now - lastScanNanos > maxSlabAge.toNanos()) {
            lastScan = slabs.slabs(c);
            lastScanNanos = now;
        }
        List<CarvedTask> out = new ArrayList<>();
        slabs.objects(c, lastScan.slabs(), (seg, off, t) -> {
            if (!plausible(seg, off, t) || (seg.get(U32, off + exitState) & EXIT_DEAD) == 0
                    || (seg.get(U32, off + stateOff) & TASK_DEAD) == 0) return;
            try {
                out.add(describe(t, false, false));
            } catch (ChirpException e) {
                // reused while read: it is some other task now
            }
        });
        return out;
    }

    private record Views(Set<Long> listed, Set<Long> pids) {}

    /** {@return every task the task list leads to (threads included) and every task the PID table leads to} */
    private Views views(List<String> problems) {
        Set<Long> listed = new HashSet<>();
        Walk leaders = processes.leaders();
        if (!leaders.complete()) problems.add("task list: " + leaders.problem());
        listed.add(k.symbol("init_task"));
        for (long l : leaders.items()) {
            listed.add(l);
            try {
                listed.addAll(processes.threads(l).items());
            } catch (ChirpException e) {
                problems.add("threads of 0x" + Long.toHexString(l) + ": " + e.getMessage());
            }
        }
        Walk pids = processes.pidView();
        if (!pids.complete()) problems.add("PID table: " + pids.problem());
        return new Views(listed, new HashSet<>(pids.items()));
    }

    /** The structural checks, on the slot's bytes alone (no pointer is followed). */
    boolean plausible(MemorySegment s, long off, long self) {
        int p = s.get(U32, off + pid), tg = s.get(U32, off + tgid);
        if (p <= 0 || p > PID_MAX || tg <= 0 || tg > PID_MAX) return false;
        if (!printableComm(s, off + comm)) return false;
        long leader = s.get(U64, off + groupLeader);
        if (!direct(leader) || (p == tg && leader != self)) return false;
        // A task the kernel finished with (exit_state and TASK_DEAD set) has dropped its stack and credentials.
        boolean dead = (s.get(U32, off + exitState) & (EXIT_DEAD | EXIT_ZOMBIE)) != 0
                && (s.get(U32, off + stateOff) & TASK_DEAD) != 0;
        long credPtr = s.get(U64, off + cred), stackPtr = s.get(U64, off + stack);
        long parent = s.get(U64, off + realParent);
        if (!(direct(parent) || parent == initTask) || !(direct(credPtr) || dead && credPtr == 0)) return false;
        long m = s.get(U64, off + mm);
        if (m != 0 && !direct(m)) return false;
        if (stackPtr >= 0 && !(dead && stackPtr == 0)) return false;     // the stack is kernel memory (vmalloc)
        long next = s.get(U64, off + tasks), prev = s.get(U64, off + tasks + 8);
        if (next >= 0 || (prev >= 0 && prev != LIST_POISON2)) return false;
        if (prev == LIST_POISON2 && p == tg && !dead) return false;      // only the kernel's own unlink poisons
        long start = s.get(U64, off + startTime);
        return start >= 0 && start < MAX_START_NS;
    }

    private boolean direct(long va) {
        return Long.compareUnsigned(va, directMapStart) >= 0 && Long.compareUnsigned(va, directMapEnd) < 0 && (va & 7) == 0;
    }

    private static boolean printableComm(MemorySegment s, long off) {
        int n = 0;
        for (; n < 16; n++) {
            int b = s.get(ValueLayout.JAVA_BYTE, off + n) & 0xff;
            if (b == 0) break;
            if (b < 0x20 || b == 0x7f) return false;
        }
        return n > 0 && n < 16;
    }

    /** Reads a plausible task (now, through the kernel's address space) and says what it is. */
    private CarvedTask describe(long t, boolean listed, boolean inPids) {
        List<String> problems = new ArrayList<>();
        int p = r.u32(t + pid), tg = r.u32(t + tgid);
        String name = r.chars(t + comm, 16);
        int st = r.u32(t + stateOff), ex = r.u32(t + exitState);
        long mmPtr = r.u64(t + mm);
        double start = r.u64(t + startTime) / 1e9;
        Integer ppid = null, uid = null;
        try {
            ppid = r.u32(r.u64(t + realParent) + tgid);
        } catch (ChirpException e) {
            problems.add("parent: " + e.getMessage());
        }
        long credPtr = r.u64(t + cred);
        try {
            if (credPtr != 0) uid = r.u32(credPtr + credUid);
        } catch (ChirpException e) {
            problems.add("cred: " + e.getMessage());
        }
        boolean dead = (ex & (EXIT_DEAD | EXIT_ZOMBIE)) != 0 || (st & TASK_DEAD) != 0;
        CarvedTask.Status status = listed ? CarvedTask.Status.LISTED
                : dead ? CarvedTask.Status.EXITED
                : inPids || threadLinked(t) ? CarvedTask.Status.HIDDEN : CarvedTask.Status.STALE;
        String cmdline = null, exe = null;
        if (status == CarvedTask.Status.HIDDEN && mmPtr != 0) {
            LinuxProcess lp = processes.read(t, true);
            cmdline = lp.cmdline();
            exe = lp.exe();
            problems.addAll(lp.problems());
        }
        return new CarvedTask(p, tg, ppid, name, uid, start,
                String.valueOf(Processes.STATES.charAt(Processes.stateIndex(st, ex))), t, mmPtr, status, inPids,
                cmdline, exe, problems);
    }

    /** {@return true if the task's thread_node and its signal struct's thread_head lead to each other} */
    private boolean threadLinked(long t) {
        if (threadNode < 0 || signalThreadHead < 0) return false;
        try {
            long sig = r.u64(t + signal);
            long node = t + threadNode;
            long next = r.u64(node), prev = r.u64(node + 8);
            return r.u64(next + 8) == node && r.u64(prev) == node && Walk.listHead(r, sig + signalThreadHead, threadNode,
                    Processes.MAX_THREADS).items().contains(t);
        } catch (ChirpException e) {
            return false;
        }
    }
}
