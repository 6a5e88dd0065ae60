package io.chirp.monitor;

import io.chirp.core.ChirpException;
import io.chirp.linux.LinuxKernel;
import io.chirp.linux.LinuxProcess;
import io.chirp.linux.Processes;
import io.chirp.linux.carve.CarvedTask;
import io.chirp.linux.carve.TaskCarver;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.ArrayList;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The memory-only capture of short-lived processes: what {@code monitor --capture} runs, many times a second,
 * without touching the guest (no breakpoint, no pause; reads of its RAM only).
 *
 * <p>Each tick reads two kernel counters first ({@code total_forks} and the PID allocator's cursor, {@link
 * Processes#counters}); when neither moved and no task seen in the last {@link #FRESH} is still alive, the tick
 * ends there, so an idle guest costs two reads per tick. Otherwise the tail of the task list is walked backwards
 * (new tasks are added at the tail) down to the first task that is neither new nor fresh, and those tasks are read
 * with their command lines, so a fork that execs while fresh is reported again with the program it now runs. Every
 * {@link #FULL_EVERY} ticks the whole list is read, which finds the exits. Tasks that started and exited between two
 * ticks are looked for among the freed task_structs of the slab ({@link TaskCarver#exited}): they keep pid,
 * parent, name and start time, not argv. What the counters say started and neither way found is counted as lost
 * and reported ({@link Change.CaptureGap}), never dropped silently.
 */
public final class ProcessCapture {
    /** How long a task counts as fresh: one that may still exec, so the list is walked while it lives. */
    static final Duration FRESH = Duration.ofMillis(300);
    /** How old the slab list of the carver may be: new slabs appear when many tasks start at once. */
    static final Duration SLAB_AGE = Duration.ofSeconds(1);
    /** Ticks between two carvings at most: carving reads every task_struct slab. */
    static final int CARVE_EVERY = 20;
    /** Ticks between two full walks of the task list (which find exits); the ticks between walk only its tail. */
    static final int FULL_EVERY = 50;
    /** Tasks read from the tail of the list at most per tick: more new ones than this wait for the full walk. */
    static final int MAX_TAIL = 64;

    /**
     * What the capture saw, since it started.
     *
     * @param started tasks the kernel's fork counter says began (threads and kernel threads included)
     * @param live    processes seen on the task list
     * @param execs   new programs seen run by a process already reported (fork then exec)
     * @param carved  tasks recovered only from freed task_structs
     * @param lost    tasks started that neither way found
     * @param ticks   ticks run
     * @param walks   ticks that walked the task list
     */
    public record Stats(long started, long live, long execs, long carved, long lost, long ticks, long walks) {}

    private final Processes processes;
    private final TaskCarver carver;
    private final Consumer<Change> out;
    private final Map<Long, Processes.Seen> seen = new HashMap<>();
    /** The last row reported per task address, and when the task was first seen (System.nanoTime). */
    private final Map<Long, LinuxProcess> reported = new HashMap<>();
    private final Map<Long, Long> firstSeen = new HashMap<>();
    /** Tasks already accounted for (by address and start time), live or carved. */
    private final Set<String> accounted = new HashSet<>();
    private final double since;
    private Processes.Counters last;
    private long started, live, execs, carved, lost, ticks, walks, owed, lastReportedLost;
    private int sinceCarve, sinceFull;
    private final io.chirp.linux.KernelReader r;
    private final long initTask, tasksOff;

    /**
     * @param k   the attached kernel
     * @param out where process changes go ({@link Change.ProcessCaptured}, {@link Change.ProcessExited},
     *            {@link Change.CaptureGap})
     */
    public ProcessCapture(LinuxKernel k, Consumer<Change> out) {
        this.processes = new Processes(k);
        this.r = k.reader();
        this.initTask = k.symbol("init_task");
        this.tasksOff = k.layout().offset("task_struct", "tasks");
        TaskCarver c;
        try {
            c = new TaskCarver(k);
            c.cache();
        } catch (ChirpException e) {
            c = null; // no task_struct cache found: exited tasks are counted, not recovered
        }
        this.carver = c;
        this.out = Objects.requireNonNull(out);
        this.last = processes.counters();
        // the processes of the first listing are the monitor's baseline, not news
        Processes.Listing l = processes.list(false, true, seen);
        double newest = 0;
        for (LinuxProcess p : l.processes()) {
            reported.put(p.task(), p);
            accounted.add(key(p.task(), p.startSeconds()));
            if (p.startSeconds() != null) newest = Math.max(newest, p.startSeconds());
        }
        this.since = newest;
    }

    /** One look: cheap when nothing started, a walk (and at times a carve) when something did. */
    public void tick() {
        ticks++;
        Processes.Counters now = processes.counters();
        long born = delta(last, now);
        last = now;
        long nowNanos = System.nanoTime();
        boolean fresh = firstSeen.values().stream().anyMatch(t -> nowNanos - t < FRESH.toNanos());
        if (born == 0 && !fresh && owed == 0) return;
        started += born;
        owed += born;
        walks++;
        // New tasks join the task list at its tail: walking it backwards from the head reaches them first, and the
        // walk stops at the first task that is neither new nor fresh. A full walk (for exits) runs every few ticks.
        boolean full = ++sinceFull >= FULL_EVERY;
        Map<Long, LinuxProcess> rows = new LinkedHashMap<>();
        boolean complete = true;
        if (full) {
            sinceFull = 0;
            Processes.Listing l = processes.list(false, true, seen);
            complete = l.walk().complete();
            for (LinuxProcess p : l.processes()) if (p.tgid() != 0) rows.put(p.task(), p);
        } else {
            for (long t : newest(nowNanos)) {
                try {
                    rows.put(t, processes.read(t, true));
                } catch (ChirpException e) {
                    // gone while read: the next full walk settles it
                }
            }
        }
        Map<Integer, LinuxProcess> byPid = new HashMap<>();
        for (LinuxProcess p : reported.values()) byPid.put(p.tgid(), p);
        for (LinuxProcess p : rows.values()) byPid.put(p.tgid(), p);
        for (LinuxProcess p : rows.values()) {
            LinuxProcess before = reported.get(p.task());
            if (before != null && Objects.equals(before.startSeconds(), p.startSeconds())) {
                if (!Objects.equals(before.cmdline(), p.cmdline()) || !Objects.equals(before.exe(), p.exe())) {
                    execs++;
                    reported.put(p.task(), p);
                    out.accept(new Change.ProcessCaptured(proc(p), parent(p, byPid), Change.Capture.EXEC));
                }
                continue;
            }
            reported.put(p.task(), p);
            firstSeen.put(p.task(), nowNanos);
            if (accounted.add(key(p.task(), p.startSeconds()))) {
                live++;
                owed = Math.max(0, owed - 1);
            }
            out.accept(new Change.ProcessCaptured(proc(p), parent(p, byPid), Change.Capture.LIVE));
        }
        if (full && complete) {
            reported.entrySet().removeIf(e -> {
                if (rows.containsKey(e.getKey())) return false;
                out.accept(new Change.ProcessExited(proc(e.getValue())));
                firstSeen.remove(e.getKey());
                return true;
            });
        }
        firstSeen.values().removeIf(t -> nowNanos - t > FRESH.toNanos());
        if (owed > 0 && (++sinceCarve >= CARVE_EVERY || born == 0)) carve(byPid);
    }

    /**
     * {@return the tasks at the tail of the task list that are new or fresh, newest first} Bounded by
     * {@link #MAX_TAIL}; a broken link ends the walk (the next full walk reads the list whole).
     */
    private List<Long> newest(long nowNanos) {
        List<Long> out = new ArrayList<>();
        long head = initTask + tasksOff;
        try {
            long link = r.u64(head + 8);
            Set<Long> visited = new HashSet<>();
            while (link != head && out.size() < MAX_TAIL && visited.add(link)) {
                long t = link - tasksOff;
                Long first = firstSeen.get(t);
                if (reported.containsKey(t) && (first == null || nowNanos - first > FRESH.toNanos())) break;
                out.add(t);
                link = r.u64(link + 8);
            }
        } catch (ChirpException e) {
            // a link changed under us (a task exiting): what was found so far stands
        }
        return out;
    }

    /** Looks for the tasks the counters owe among the freed task_structs; what stays owed is lost. */
    private void carve(Map<Integer, LinuxProcess> byPid) {
        sinceCarve = 0;
        if (carver != null) {
            try {
                for (CarvedTask t : carver.exited(SLAB_AGE)) {
                    if (t.startSeconds() < since || !accounted.add(key(t.task(), t.startSeconds()))) continue;
                    carved++;
                    owed = Math.max(0, owed - 1);
                    if (!t.isLeader()) continue; // a thread of a process: accounted, not a process event
                    Snapshot.Proc p = new Snapshot.Proc(t.tgid(), t.ppid() == null ? -1 : t.ppid(), t.comm(), null, null,
                            t.uid() == null ? -1 : t.uid(), t.uid() == null ? -1 : t.uid(), t.startSeconds(), false);
                    LinuxProcess parent = t.ppid() == null ? null : byPid.get(t.ppid());
                    out.accept(new Change.ProcessCaptured(p, parent == null ? null : proc(parent), Change.Capture.CARVED));
                    out.accept(new Change.ProcessExited(p));
                }
            } catch (ChirpException e) {
                // slab memory changed under the carve: what is owed stays owed, and is counted below
            }
        }
        lost += owed;
        owed = 0;
        if (lost != lastReportedLost) {
            out.accept(new Change.CaptureGap(started, live + execs + carved, lost - lastReportedLost, lost));
            lastReportedLost = lost;
        }
    }

    /** {@return what the capture saw so far} */
    public Stats stats() { return new Stats(started, live, execs, carved, lost, ticks, walks); }

    /** {@return the tasks begun between two readings of the counters} The fork counter, else the PID cursor. */
    static long delta(Processes.Counters a, Processes.Counters b) {
        if (a.forks() >= 0 && b.forks() >= 0) return Math.max(0, b.forks() - a.forks());
        if (a.nextPid() < 0 || b.nextPid() < 0) return 0;
        long d = (long) b.nextPid() - a.nextPid();
        return d >= 0 ? d : 0; // wrapped at pid_max: unknown, not negative
    }

    private static String key(long task, Double start) { return task + "@" + (start == null ? "?" : Math.round(start * 1e6)); }

    static Snapshot.Proc proc(LinuxProcess p) {
        return new Snapshot.Proc(p.tgid(), p.ppid(), p.comm(), p.cmdline(), p.exe(), p.uid() == null ? -1 : p.uid(),
                p.euid() == null ? -1 : p.euid(), p.startSeconds() == null ? 0 : p.startSeconds(), p.kernelThread());
    }

    private static Snapshot.Proc parent(LinuxProcess p, Map<Integer, LinuxProcess> byPid) {
        LinuxProcess pp = byPid.get(p.ppid());
        return pp == null ? null : proc(pp);
    }
}
