package io.chirp.hypervisor.session;

import io.chirp.hypervisor.QemuVm;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The process-wide broker of VM sessions: one {@link VmSession} per running QEMU process, owning that VM's QMP
 * connection and gdbstub for everyone in this JVM (monitor watchers, the tracer, one-shot views, a server).
 * Use {@link #shared()}; a separate instance only makes sense in a test of the broker itself.
 */
public final class VmSessions {
    private static final VmSessions SHARED = new VmSessions(Duration.ofSeconds(
            Long.getLong("chirp.session.idle-grace-seconds", 2)));

    private final Map<Key, VmSession> sessions = new ConcurrentHashMap<>();
    private volatile Duration idleGrace;

    /** A QEMU process: after a restart under the same name the VM is another one (new sockets, new RAM). */
    private record Key(long pid, String name) {}

    VmSessions(Duration idleGrace) { this.idleGrace = idleGrace; }

    /** {@return the broker of this process} */
    public static VmSessions shared() { return SHARED; }

    /** {@return the session of this VM, created on first use} */
    public VmSession session(QemuVm vm) {
        // sessions of QEMU processes that are gone, and that nobody uses, are dropped here
        sessions.values().removeIf(VmSession::isDefunct);
        return sessions.computeIfAbsent(new Key(vm.pid(), vm.name()), k -> new VmSession(vm, this));
    }

    /** {@return the sessions open now} */
    public List<VmSession> sessions() { return List.copyOf(sessions.values()); }

    /**
     * How long a QMP connection nobody uses stays open: a watcher attaching again, or the next one-shot view of a
     * server, then finds it ready instead of queueing behind its own last connection. Zero closes at once.
     */
    public Duration idleGrace() { return idleGrace; }

    public void idleGrace(Duration d) { this.idleGrace = d; }
}
