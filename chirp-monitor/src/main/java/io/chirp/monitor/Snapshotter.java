package io.chirp.monitor;

import io.chirp.core.ChirpException;
import io.chirp.core.CpuState;
import io.chirp.linux.LinuxKernel;
import io.chirp.linux.LinuxProcess;
import io.chirp.linux.ModuleInfo;
import io.chirp.linux.Modules;
import io.chirp.linux.Processes;
import io.chirp.linux.integrity.IntegrityCheck;
import io.chirp.linux.integrity.IntegrityFinding;
import io.chirp.linux.integrity.IntegrityReport;
import io.chirp.linux.net.LinuxSocket;
import io.chirp.linux.net.Sockets;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Takes snapshots of one attached kernel. The table readers are built once (their offsets resolved at attach);
 * each snapshot is only walks. A poll reads what changed: the rows of the last poll are kept by task address, and
 * a task that still runs the same program (same start time, mm and exec count) keeps its command line and
 * executable path instead of having them read again ({@link Processes#list(boolean, boolean, Map)}); the cache is
 * this snapshotter's, so it lives as long as the attachment and never outlives the kernel it was read from.
 * Integrity checks and the heuristics of {@code linux check} cost more and run every {@code integrityEvery}-th
 * snapshot; in between, the last findings are carried forward.
 */
public final class Snapshotter {
    private final Processes processes;
    private final Modules modules;
    private final Sockets sockets;
    private final IntegrityCheck integrity;
    private final int integrityEvery;
    private final Map<Long, Processes.Seen> seen = new HashMap<>();
    private int count;
    private Map<String, Snapshot.Finding> lastFindings;
    /** Integrity runs in a row that no longer found a finding (see {@link #steady}). */
    private final Map<String, Integer> missed = new HashMap<>();
    static final int FORGET_AFTER = 2;
    /** Checks about processes, whose findings must be seen by two runs in a row (see {@link #take}). */
    static final java.util.Set<String> CONFIRM = java.util.Set.of("wx_memory", "exe_location", "masquerade", "orphans");
    private Map<String, Snapshot.Finding> lastRaw = Map.of();

    public Snapshotter(LinuxKernel k, List<CpuState> cpus, int integrityEvery) {
        this.processes = new Processes(k);
        this.modules = new Modules(k);
        this.sockets = new Sockets(k);
        this.integrity = integrityEvery > 0 ? new IntegrityCheck(k, cpus) : null;
        this.integrityEvery = integrityEvery;
    }

    /**
     * {@return this run's findings plus those the previous run had and this one missed} A finding is forgotten only
     * after {@link #FORGET_AFTER} runs without it: a walk that raced the guest (a process exiting while its maps were
     * read) must not make a finding vanish and then come back as new, alerting twice.
     */
    private Map<String, Snapshot.Finding> steady(Map<String, Snapshot.Finding> now) {
        Map<String, Snapshot.Finding> out = new LinkedHashMap<>(now);
        if (lastFindings != null) {
            lastFindings.forEach((key, f) -> {
                if (now.containsKey(key)) {
                    missed.remove(key);
                } else if (missed.merge(key, 1, Integer::sum) < FORGET_AFTER) {
                    out.put(key, f);
                } else {
                    missed.remove(key);
                }
            });
        }
        missed.keySet().retainAll(out.keySet());
        return out;
    }

    public Snapshot take() {
        boolean complete = true;
        Processes.Listing pl = processes.list(false, true, seen);
        complete &= pl.walk().complete();
        Map<String, Snapshot.Proc> procs = new LinkedHashMap<>();
        for (LinuxProcess p : pl.processes()) {
            if (p.tgid() == 0) continue;
            Snapshot.Proc v = new Snapshot.Proc(p.tgid(), p.ppid(), p.comm(), p.cmdline(), p.exe(),
                    p.uid() == null ? -1 : p.uid(), p.euid() == null ? -1 : p.euid(),
                    p.startSeconds() == null ? 0 : p.startSeconds(), p.kernelThread());
            procs.put(p.tgid() + "@" + Math.round(v.startSeconds() * 1000), v);
        }
        Map<String, Snapshot.Module> mods = new LinkedHashMap<>();
        Modules.Listing ml = modules.list();
        complete &= ml.walk().complete();
        for (ModuleInfo m : ml.modules()) {
            mods.put(m.name() + "@" + Long.toHexString(m.base()), new Snapshot.Module(m.name(), m.base(),
                    m.size() == null ? 0 : m.size()));
        }
        Map<String, Snapshot.Socket> socks = new LinkedHashMap<>();
        Sockets.Listing sl = sockets.list();
        complete &= sl.complete();
        for (LinuxSocket s : sl.sockets()) {
            if (s.local() == null) continue; // Internet sockets only: Unix sockets churn without security meaning
            if (!s.state().equals("LISTEN") && !s.state().equals("ESTABLISHED") && !s.state().equals("UNCONN")
                    && !s.state().equals("SYN_SENT")) continue;
            List<Integer> pids = new ArrayList<>();
            List<String> comms = new ArrayList<>();
            for (LinuxSocket.Owner o : s.owners()) {
                if (!pids.contains(o.pid())) {
                    pids.add(o.pid());
                    comms.add(o.comm());
                }
            }
            Snapshot.Socket v = new Snapshot.Socket(s.protocol(), s.state(), s.local(), s.localPort(), s.remote(),
                    s.remotePort(), s.inode(), pids, comms);
            socks.put(s.protocol() + " " + s.localText() + " " + s.remoteText() + " " + s.inode(), v);
        }
        Map<String, Snapshot.Finding> findings = lastFindings;
        if (integrity != null && count++ % integrityEvery == 0) {
            findings = new LinkedHashMap<>();
            try {
                // Integrity checks and heuristics alike: a heuristic judges a state (a masquerade present since
                // attach), and the Differ reports each finding once, when it first appears.
                IntegrityReport r = integrity.run(java.util.Set.copyOf(IntegrityCheck.ALL));
                Map<String, Snapshot.Finding> raw = new LinkedHashMap<>();
                for (IntegrityFinding f : r.findings()) {
                    if (f.severity() == IntegrityFinding.Severity.INFO) continue;
                    String key = f.check() + ": " + f.summary();
                    raw.put(key, new Snapshot.Finding(f.check(), f.severity().name(), f.summary(), f.evidence()));
                    // A process caught mid-exec (new name, old argv) looks like a masquerade for an instant: a
                    // finding about a process counts once two runs in a row have it.
                    if (!CONFIRM.contains(f.check()) || lastRaw.containsKey(key)) findings.put(key, raw.get(key));
                }
                lastRaw = raw;
                findings = steady(findings);
            } catch (ChirpException e) {
                findings = lastFindings;
            }
            lastFindings = findings;
        }
        return new Snapshot(System.currentTimeMillis(), procs, mods, socks, findings, complete);
    }
}
