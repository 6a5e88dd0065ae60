package io.chirp.monitor;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Turns two successive snapshots into the changes between them. */
public final class Differ {
    private Differ() {}

    public static List<Change> diff(Snapshot prev, Snapshot next) {
        List<Change> out = new ArrayList<>();
        Map<Integer, Snapshot.Proc> byPid = new HashMap<>();
        next.processes().values().forEach(p -> byPid.put(p.pid(), p));
        Map<Integer, Snapshot.Proc> prevByPid = new HashMap<>();
        prev.processes().values().forEach(p -> prevByPid.put(p.pid(), p));
        boolean gonesAreReal = prev.complete() && next.complete();

        next.processes().forEach((k, p) -> {
            Snapshot.Proc old = prev.processes().get(k);
            if (old == null) {
                out.add(new Change.ProcessStarted(p, byPid.get(p.ppid())));
            } else if (old.uid() != p.uid() || old.euid() != p.euid()) {
                out.add(new Change.CredentialsChanged(old, p));
            }
        });
        if (gonesAreReal) {
            prev.processes().forEach((k, p) -> {
                if (!next.processes().containsKey(k)) out.add(new Change.ProcessExited(p));
            });
        }
        next.modules().forEach((k, m) -> { if (!prev.modules().containsKey(k)) out.add(new Change.ModuleLoaded(m)); });
        if (gonesAreReal) {
            prev.modules().forEach((k, m) -> { if (!next.modules().containsKey(k)) out.add(new Change.ModuleUnloaded(m)); });
        }
        java.util.Set<Integer> listeningPorts = new java.util.HashSet<>();
        next.sockets().values().forEach(s -> { if (s.listening()) listeningPorts.add(s.localPort()); });
        next.sockets().forEach((k, s) -> {
            if (prev.sockets().containsKey(k)) return;
            out.add(s.listening() ? new Change.SocketListening(s)
                    : new Change.SocketConnected(s, listeningPorts.contains(s.localPort())));
        });
        if (gonesAreReal) {
            prev.sockets().forEach((k, s) -> { if (!next.sockets().containsKey(k)) out.add(new Change.SocketClosed(s)); });
        }
        if (next.findings() != null) {
            Map<String, Snapshot.Finding> before = prev.findings() == null ? Map.of() : prev.findings();
            next.findings().forEach((k, f) -> { if (!before.containsKey(k)) out.add(new Change.IntegrityFinding(f)); });
        }
        return out;
    }

    /** {@return the changes that describe a first snapshot: everything in it is new} */
    public static List<Change> initial(Snapshot first) {
        Snapshot empty = new Snapshot(first.takenMillis(), Map.of(), Map.of(), Map.of(), Map.of(), false);
        return diff(empty, first);
    }
}
