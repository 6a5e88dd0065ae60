package io.chirp.linux;

import io.chirp.core.ChirpException;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The mount and network namespaces the guest's processes live in, from each task's {@code nsproxy}: what lets the
 * views read every namespace, not only init's (an intruder's tools often run in a namespace of their own). A
 * namespace is named by its inode number ({@code ns_common.inum}), as {@code /proc/PID/ns/net} shows it:
 * {@code net:[4026531840]}.
 */
public final class Namespaces {
    /** Which kind of namespace. */
    public enum Kind { MNT, NET }

    /**
     * One namespace.
     *
     * @param kind    mount or network
     * @param address address of the struct mnt_namespace or struct net
     * @param inum    its inode number
     * @param pids    the processes in it (tgids, in task-list order)
     */
    public record Namespace(Kind kind, long address, long inum, List<Integer> pids) {
        public Namespace { pids = List.copyOf(pids); }
    }

    /** The namespaces found and whether every task's nsproxy was read. */
    public record Listing(List<Namespace> namespaces, boolean complete, List<String> problems) {
        public Listing {
            namespaces = List.copyOf(namespaces);
            problems = List.copyOf(problems);
        }
    }

    private final LinuxKernel k;
    private final KernelReader r;
    private final long nsproxy, nsMnt, nsNet, mntInum, netInum;

    public Namespaces(LinuxKernel k) {
        this.k = k;
        this.r = k.reader();
        Layout l = k.layout();
        nsproxy = l.offset("task_struct", "nsproxy");
        nsMnt = l.offset("nsproxy", "mnt_ns");
        nsNet = l.offset("nsproxy", "net_ns");
        mntInum = l.offset("mnt_namespace", "ns.inum");
        netInum = l.offset("net", "ns.inum");
    }

    /** {@return the namespaces of {@code kind}, init's first} */
    public Listing list(Kind kind) {
        List<String> problems = new ArrayList<>();
        Map<Long, List<Integer>> members = new LinkedHashMap<>();
        try {
            members.put(of(k.symbol("init_task"), kind), new ArrayList<>());
        } catch (ChirpException e) {
            problems.add("init's namespace: " + e.getMessage());
        }
        Processes ps = new Processes(k);
        Walk w = ps.allLeaders();
        if (!w.complete()) problems.add("task list: " + w.problem());
        for (long task : w.items()) {
            try {
                int pid = r.u32(task + k.layout().offset("task_struct", "tgid"));
                if (r.u64(task + nsproxy) == 0) continue; // an exiting task has let go of its namespaces
                members.computeIfAbsent(of(task, kind), x -> new ArrayList<>()).add(pid);
            } catch (ChirpException e) {
                problems.add("task at 0x" + Long.toHexString(task) + ": " + e.getMessage());
            }
        }
        List<Namespace> out = new ArrayList<>();
        for (Map.Entry<Long, List<Integer>> e : members.entrySet()) {
            try {
                long inum = Integer.toUnsignedLong(r.u32(e.getKey() + (kind == Kind.MNT ? mntInum : netInum)));
                out.add(new Namespace(kind, e.getKey(), inum, e.getValue()));
            } catch (ChirpException ex) {
                problems.add(kind + " namespace at 0x" + Long.toHexString(e.getKey()) + ": " + ex.getMessage());
            }
        }
        return new Listing(out, problems.isEmpty(), problems);
    }

    private long of(long task, Kind kind) {
        long p = r.u64(task + nsproxy);
        return r.u64(p + (kind == Kind.MNT ? nsMnt : nsNet));
    }
}
