package io.chirp.linux.integrity;

import io.chirp.core.ChirpException;
import io.chirp.linux.KernelReader;
import io.chirp.linux.Layout;
import io.chirp.linux.LinuxKernel;
import io.chirp.linux.Processes;
import io.chirp.linux.Walk;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Processes missing from the task list ({@code init_task.tasks}: what ps-like walks and many rootkit detectors
 * read, and what a rootkit unlinks a task from) but present in other views:
 * <ul>
 *   <li><b>pid</b>: the PID allocator's tree ({@code init_pid_ns.idr}, an xarray of {@code struct pid}), from which
 *       /proc itself lists processes; a task unhashed from it could not be found by pid any more.</li>
 *   <li><b>runqueue</b>: each CPU's current task and its CFS run list; a hidden task still has to be scheduled.</li>
 * </ul>
 * A live guest forks and reaps while we read, so a candidate counts only if two rounds agree.
 */
public final class HiddenProcesses {
    static final int MAX_CPUS = 8192;

    private final LinuxKernel k;
    private final KernelReader r;
    private final Processes processes;
    private final long groupLeader, taskTgid, taskComm, rqCurr, rqCfsTasks, seGroupNode, taskSe;

    public HiddenProcesses(LinuxKernel k) {
        this.k = k;
        this.r = k.reader();
        this.processes = new Processes(k);
        Layout l = k.layout();
        groupLeader = l.offset("task_struct", "group_leader");
        taskTgid = l.offset("task_struct", "tgid");
        taskComm = l.offset("task_struct", "comm");
        rqCurr = l.offset("rq", "curr");
        rqCfsTasks = l.offset("rq", "cfs_tasks");
        taskSe = l.offset("task_struct", "se");
        seGroupNode = l.offset("sched_entity", "group_node");
    }

    /** Compares the task list with the PID view and the run queues, twice, and reports what both rounds agree on. */
    public IntegrityReport.Section check() {
        List<String> problems = new ArrayList<>();
        Round first = round(problems);
        Map<Long, List<String>> hidden = first.hidden();
        if (!hidden.isEmpty()) {
            Round second = round(new ArrayList<>());
            hidden.keySet().retainAll(second.hidden().keySet());
        }
        List<IntegrityFinding> findings = new ArrayList<>();
        for (Map.Entry<Long, List<String>> e : hidden.entrySet()) {
            long task = e.getKey();
            try {
                findings.add(new IntegrityFinding.HiddenProcess(r.u32(task + taskTgid), r.chars(task + taskComm, 16),
                        task, e.getValue()));
            } catch (ChirpException ex) {
                problems.add("hidden task 0x" + Long.toHexString(task) + " unreadable: " + ex.getMessage());
            }
        }
        return new IntegrityReport.Section("hidden_processes", first.examined(), findings, problems.isEmpty(), problems);
    }

    /** Thread-group leaders seen by the other views but not on the task list, with the views that saw them. */
    private record Round(Map<Long, List<String>> hidden, int examined) {}

    private Round round(List<String> problems) {
        // Other views first, then the list: a process born in between is on the list, one that died is then
        // missing from the list but is gone from the second round's views too.
        Walk pids = pidView();
        if (!pids.complete()) problems.add("pid view: " + pids.problem());
        Walk rq = runQueueView();
        if (!rq.complete()) problems.add("run queues: " + rq.problem());
        Walk tasks = processes.leaders();
        if (!tasks.complete()) problems.add("task list: " + tasks.problem());
        Set<Long> listed = new HashSet<>(tasks.items());
        long initTask = k.symbol("init_task");
        listed.add(initTask);
        Map<Long, List<String>> hidden = new LinkedHashMap<>();
        collect(pids, "pid", listed, hidden);
        collect(rq, "runqueue", listed, hidden);
        return new Round(hidden, listed.size());
    }

    private void collect(Walk view, String name, Set<Long> listed, Map<Long, List<String>> hidden) {
        for (long t : view.items()) {
            long leader;
            try {
                leader = r.u64(t + groupLeader);
            } catch (ChirpException e) {
                continue;
            }
            if (leader == 0 || listed.contains(leader)) continue;
            try {
                if (r.u32(leader + taskTgid) == 0) continue; // the idle tasks of CPUs 1..n are never on the list
            } catch (ChirpException e) {
                continue;
            }
            List<String> views = hidden.computeIfAbsent(leader, x -> new ArrayList<>());
            if (!views.contains(name)) views.add(name);
        }
    }

    /** {@return every task reachable from the PID allocator of the initial namespace (threads included)} */
    public Walk pidView() { return processes.pidView(); }

    /** {@return each CPU's running task and the tasks on its CFS run list} */
    public Walk runQueueView() {
        List<Long> tasks = new ArrayList<>();
        int cpus;
        long runqueues, offsets;
        try {
            cpus = Math.min(r.u32(k.symbol("nr_cpu_ids")), MAX_CPUS);
            runqueues = k.symbol("runqueues");
            offsets = k.symbol("__per_cpu_offset");
        } catch (ChirpException e) {
            return new Walk(List.of(), false, "run queues unavailable: " + e.getMessage());
        }
        String problem = "";
        for (int cpu = 0; cpu < cpus; cpu++) {
            try {
                long rq = r.u64(offsets + 8L * cpu) + runqueues;
                long curr = r.u64(rq + rqCurr);
                if (curr != 0) tasks.add(curr);
                Walk w = Walk.listHead(r, rq + rqCfsTasks, taskSe + seGroupNode, 1 << 16);
                tasks.addAll(w.items());
                if (!w.complete()) problem = "cpu " + cpu + ": " + w.problem();
            } catch (ChirpException e) {
                problem = "cpu " + cpu + ": " + e.getMessage();
            }
        }
        return new Walk(tasks, problem.isEmpty(), problem);
    }
}
