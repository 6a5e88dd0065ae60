package io.chirp.linux.integrity;

import io.chirp.core.ChirpException;
import io.chirp.linux.KernelReader;
import io.chirp.linux.Layout;
import io.chirp.linux.LinuxKernel;
import io.chirp.linux.LinuxProcess;
import io.chirp.linux.Processes;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Credentials that the kernel's own rules do not explain:
 * <ul>
 *   <li><b>shared</b>: a {@code struct cred} is shared only within a thread group (and by kernel threads using
 *       {@code init_cred}); a rootkit that points its task at another process's (root) cred breaks that;</li>
 *   <li><b>bookkeeping</b>: a cred's real uid must match the per-user accounting the kernel keeps with it
 *       ({@code cred->user->uid}, {@code cred->ucounts->uid}); writing uid 0 into a cred does not update those;</li>
 *   <li><b>ancestry</b>: a root process whose parent is not root must have got root from a setuid-root executable;
 *       otherwise it is what {@code commit_creds(prepare_kernel_cred(0))} from a module leaves behind.</li>
 * </ul>
 */
public final class CredentialsCheck {
    private static final int S_ISUID = 04000;

    private final LinuxKernel k;
    private final KernelReader r;
    private final Processes processes;
    private final long credUser, userUid, credUcounts, ucountsUid, taskMm, mmExe, fileInode, inodeMode, inodeUid;

    public CredentialsCheck(LinuxKernel k) {
        this.k = k;
        this.r = k.reader();
        this.processes = new Processes(k);
        Layout l = k.layout();
        credUser = l.offset("cred", "user");
        userUid = l.offset("user_struct", "uid");
        credUcounts = l.find("cred", "ucounts").orElse(-1);
        ucountsUid = l.find("ucounts", "uid").orElse(-1);
        taskMm = l.offset("task_struct", "mm");
        mmExe = l.offset("mm_struct", "exe_file");
        fileInode = l.offset("file", "f_inode");
        inodeMode = l.offset("inode", "i_mode");
        inodeUid = l.offset("inode", "i_uid");
    }

    public IntegrityReport.Section check() {
        Processes.Listing listing = processes.list(true, false);
        List<String> problems = new ArrayList<>();
        if (!listing.walk().complete()) problems.add("task list: " + listing.walk().problem());
        List<LinuxProcess> all = listing.processes();
        Map<Integer, LinuxProcess> leaders = new LinkedHashMap<>();
        for (LinuxProcess p : all) if (p.isLeader()) leaders.putIfAbsent(p.tgid(), p);
        List<IntegrityFinding> findings = new ArrayList<>();
        shared(all, findings);
        for (LinuxProcess p : all) {
            if (!p.isLeader() || p.kernelThread() || p.cred() == 0 || p.uid() == null) continue;
            try {
                String why = bookkeeping(p);
                if (why == null && (p.uid() == 0 || p.euid() == 0)) why = ancestry(p, leaders.get(p.ppid()));
                if (why != null) {
                    findings.add(new IntegrityFinding.ElevatedCredentials(p.tgid(), p.comm(), p.cred(), p.uid(),
                            p.euid(), why));
                }
            } catch (ChirpException e) {
                problems.add("pid " + p.tgid() + ": " + e.getMessage());
            }
        }
        return new IntegrityReport.Section("credentials", all.size(), findings, problems.isEmpty(), problems);
    }

    /** Groups tasks by cred; a cred used by more than one thread group is shared illegitimately. */
    private void shared(List<LinuxProcess> all, List<IntegrityFinding> findings) {
        long initCred = k.symbols().lookup("init_cred").map(s -> s.address()).orElse(0L);
        Map<Long, List<LinuxProcess>> byCred = new LinkedHashMap<>();
        for (LinuxProcess p : all) if (p.cred() != 0) byCred.computeIfAbsent(p.cred(), x -> new ArrayList<>()).add(p);
        for (Map.Entry<Long, List<LinuxProcess>> e : byCred.entrySet()) {
            TreeSet<Integer> groups = new TreeSet<>();
            for (LinuxProcess p : e.getValue()) groups.add(p.tgid());
            if (groups.size() < 2) continue;
            boolean kernelOnly = e.getValue().stream().allMatch(p -> p.kernelThread() || p.tgid() == 0);
            if (e.getKey() == initCred && kernelOnly) continue;
            List<String> comms = new ArrayList<>();
            for (int g : groups) {
                e.getValue().stream().filter(p -> p.tgid() == g).findFirst().ifPresent(p -> comms.add(p.comm()));
            }
            findings.add(new IntegrityFinding.SharedCredentials(e.getKey(), List.copyOf(groups), comms));
        }
    }

    /** {@return why the cred's uid disagrees with the kernel's accounting for it, or null} */
    private String bookkeeping(LinuxProcess p) {
        int accounted = r.u32(r.u64(p.cred() + credUser) + userUid);
        if (accounted != p.uid()) {
            return "real uid " + p.uid() + " but the cred's user_struct is uid " + accounted
                    + " (uid written without the kernel's bookkeeping)";
        }
        if (credUcounts >= 0 && ucountsUid >= 0) {
            long uc = r.u64(p.cred() + credUcounts);
            if (uc != 0) {
                int ucUid = r.u32(uc + ucountsUid);
                if (ucUid != p.uid()) {
                    return "real uid " + p.uid() + " but the cred's ucounts are for uid " + ucUid;
                }
            }
        }
        return null;
    }

    /** {@return why a root process's root is unexplained by its parent and executable, or null} */
    private String ancestry(LinuxProcess p, LinuxProcess parent) {
        if (parent == null || parent.uid() == null || parent.euid() == null) return null;
        if (parent.uid() == 0 || parent.euid() == 0 || parent.tgid() == 0) return null;
        long mm = r.u64(p.task() + taskMm);
        if (mm != 0) {
            long file = r.u64(mm + mmExe);
            if (file != 0) {
                long inode = r.u64(file + fileInode);
                int mode = r.u16(inode + inodeMode);
                int owner = r.u32(inode + inodeUid);
                if ((mode & S_ISUID) != 0 && owner == 0) return null;
            }
        }
        return "parent " + parent.tgid() + " (" + parent.comm() + ") runs as uid " + parent.uid()
                + " and " + (p.exe() == null ? "the executable" : p.exe()) + " is not setuid root";
    }
}
