package io.chirp.linux;

import io.chirp.core.ChirpException;

import java.util.ArrayList;
import java.util.List;

/**
 * What each process may do and who controls it (Volatility's linux.capabilities and linux.ptrace): the five
 * capability sets of its credentials, and its ptrace tracer and tracees. An attacker's implant holds capabilities
 * its name does not explain, and a tracer can read and rewrite another process at will.
 *
 * <p>Capability sets are {@code kernel_cap_t}: two u32 words before Linux 6.3, one u64 since, the same 8 bytes in
 * little-endian order either way, printed as /proc/PID/status does (16 hex digits). The tracer is
 * {@code task->parent} when {@code task->ptrace} is set (ptrace_parent()); tracees are the tracer's
 * {@code ptraced} list, linked through each tracee's {@code ptrace_entry}.
 */
public final class Privileges {
    /** The most tracees read per tracer. */
    public static final int MAX_TRACEES = 1 << 12;

    /** Capability names by bit (include/uapi/linux/capability.h), as capsh and Volatility name them. */
    static final List<String> NAMES = List.of("chown", "dac_override", "dac_read_search", "fowner", "fsetid", "kill",
            "setgid", "setuid", "setpcap", "linux_immutable", "net_bind_service", "net_broadcast", "net_admin",
            "net_raw", "ipc_lock", "ipc_owner", "sys_module", "sys_rawio", "sys_chroot", "sys_ptrace", "sys_pacct",
            "sys_admin", "sys_boot", "sys_nice", "sys_resource", "sys_time", "sys_tty_config", "mknod", "lease",
            "audit_write", "audit_control", "setfcap", "mac_override", "mac_admin", "syslog", "wake_alarm",
            "block_suspend", "audit_read", "perfmon", "bpf", "checkpoint_restore");

    /**
     * One process's privileges.
     *
     * @param process     the process (its row as pslist reads it)
     * @param inheritable cap_inheritable
     * @param permitted   cap_permitted
     * @param effective   cap_effective
     * @param bounding    cap_bset
     * @param ambient     cap_ambient
     * @param tracer      tgid of the process tracing it (TracerPid), 0 if none, null if unreadable
     * @param tracees     tids of the tasks it traces
     * @param problems    what could not be read
     */
    public record Entry(LinuxProcess process, Long inheritable, Long permitted, Long effective, Long bounding,
                        Long ambient, Integer tracer, List<Integer> tracees, List<String> problems) {
        public Entry {
            tracees = List.copyOf(tracees);
            problems = List.copyOf(problems);
        }
    }

    /** The entries and whether the task list was read whole. */
    public record Listing(List<Entry> entries, boolean complete, List<String> problems) {
        public Listing {
            entries = List.copyOf(entries);
            problems = List.copyOf(problems);
        }
    }

    private final KernelReader r;
    private final Processes processes;
    private final long inh, prm, eff, bnd, amb, ptrace, parent, tgid, ptraced, ptraceEntry, pid;

    public Privileges(LinuxKernel k) {
        this.r = k.reader();
        this.processes = new Processes(k);
        Layout l = k.layout();
        inh = l.offset("cred", "cap_inheritable");
        prm = l.offset("cred", "cap_permitted");
        eff = l.offset("cred", "cap_effective");
        bnd = l.offset("cred", "cap_bset");
        amb = l.offset("cred", "cap_ambient");
        ptrace = l.offset("task_struct", "ptrace");
        parent = l.offset("task_struct", "parent");
        tgid = l.offset("task_struct", "tgid");
        pid = l.offset("task_struct", "pid");
        ptraced = l.offset("task_struct", "ptraced");
        ptraceEntry = l.offset("task_struct", "ptrace_entry");
    }

    /** {@return every process (with threads, which have their own credentials and tracers when asked)} */
    public Listing list(boolean withThreads) {
        Processes.Listing ps = processes.list(withThreads, false);
        List<String> problems = new ArrayList<>();
        if (!ps.walk().complete()) problems.add("task list: " + ps.walk().problem());
        List<Entry> out = new ArrayList<>();
        for (LinuxProcess p : ps.processes()) out.add(of(p));
        return new Listing(out, problems.isEmpty(), problems);
    }

    /** {@return the privileges of one process} */
    public Entry of(LinuxProcess p) {
        List<String> problems = new ArrayList<>();
        Long i = null, pe = null, e = null, b = null, a = null;
        if (p.cred() != 0) {
            try {
                i = r.u64(p.cred() + inh);
                pe = r.u64(p.cred() + prm);
                e = r.u64(p.cred() + eff);
                b = r.u64(p.cred() + bnd);
                a = r.u64(p.cred() + amb);
            } catch (ChirpException ex) {
                problems.add("capabilities: " + ex.getMessage());
            }
        } else {
            problems.add("capabilities: no credentials read");
        }
        Integer tracer = null;
        try {
            tracer = r.u32(p.task() + ptrace) == 0 ? 0 : r.u32(r.u64(p.task() + parent) + tgid);
        } catch (ChirpException ex) {
            problems.add("tracer: " + ex.getMessage());
        }
        List<Integer> tracees = new ArrayList<>();
        try {
            Walk w = Walk.listHead(r, p.task() + ptraced, ptraceEntry, MAX_TRACEES);
            if (!w.complete()) problems.add("tracees: " + w.problem());
            for (long t : w.items()) tracees.add(r.u32(t + pid));
        } catch (ChirpException ex) {
            problems.add("tracees: " + ex.getMessage());
        }
        return new Entry(p, i, pe, e, b, a, tracer, tracees, problems);
    }

    /** {@return the names of the capabilities in {@code set} (cap_ prefix left off); unknown bits as cap_N} */
    public static List<String> names(long set) {
        List<String> out = new ArrayList<>();
        for (int bit = 0; bit < 64; bit++) {
            if ((set & (1L << bit)) == 0) continue;
            out.add(bit < NAMES.size() ? NAMES.get(bit) : "cap_" + bit);
        }
        return out;
    }
}
