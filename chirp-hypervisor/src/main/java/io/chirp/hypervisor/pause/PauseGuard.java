package io.chirp.hypervisor.pause;

import io.chirp.core.OwnerOnly;
import io.chirp.core.ChirpException;
import io.chirp.evidence.EvidenceWriter;
import io.chirp.hypervisor.QemuVm;
import io.chirp.hypervisor.qemu.QemuMonitor;
import io.chirp.hypervisor.qemu.QmpClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Makes sure a VM CHIRP pauses (or migrates) is put back on every exit path:
 * <ul>
 *   <li>exceptions and interrupts: {@link #close()} in a finally (try-with-resources);</li>
 *   <li>Ctrl-C, SIGTERM: a shutdown hook interrupts the working thread so it unwinds through its finally
 *       blocks, and undoes the change itself if that takes too long (over a fresh QMP connection if the
 *       interrupt closed the old one; replies are matched by id, so a request in flight is no obstacle);</li>
 *   <li>SIGKILL: a {@link Guardian} process in its own session notices the death and undoes the change;</li>
 *   <li>everything else (guardian killed too): the {@link PauseMarker} stays on disk, and the next CHIRP
 *       command on that VM says so ({@link #staleNotice}) and {@code chirp vm resume} undoes it.</li>
 * </ul>
 * Only a VM that ran is paused and resumed: one already paused is left as it was, with no marker.
 */
public final class PauseGuard implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PauseGuard.class);
    private static final Duration HOOK_GRACE = Duration.ofSeconds(3);

    /** The marker's name of the VM ({@code libvirt:NAME} for a libvirt domain), for messages. */
    private final String vmName;
    private final QemuMonitor qmp;
    private final boolean wasRunning;
    private final java.util.function.Function<PauseMarker, Guardian.Handle> spawner;
    private final Thread owner = Thread.currentThread();
    private final CountDownLatch closed = new CountDownLatch(1);
    private final List<String> notes = new ArrayList<>();
    private volatile PauseMarker marker;
    private volatile boolean paused;
    private Guardian.Handle guardian;
    private Thread hook;

    private PauseGuard(String vmName, QemuMonitor qmp, boolean wasRunning,
                       java.util.function.Function<PauseMarker, Guardian.Handle> spawner) {
        this.vmName = vmName;
        this.qmp = qmp;
        this.wasRunning = wasRunning;
        this.spawner = spawner;
    }

    /**
     * Prepares to pause {@code vm} for {@code operation}; {@link #pause()} then stops it. If the VM runs, the
     * marker is written (and the guardian started) before this returns, so before anything is changed.
     *
     * @param withGuardian start a guardian process (worth it for pauses of seconds, not milliseconds)
     */
    public static PauseGuard forPause(QemuVm vm, QmpClient qmp, String operation, boolean withGuardian) {
        PauseGuard g = new PauseGuard(vm.name(), qmp, "running".equals(qmp.status()), QmpResume::spawn);
        g.notes.addAll(settleStale(vm.name(), vm.pid(), qmp));
        if (g.wasRunning) {
            g.arm(PauseMarker.ours(PauseMarker.Kind.PAUSE, vm.name(), vm.pid(), socket(vm), operation, true, Map.of(),
                    null), withGuardian);
        }
        return g;
    }

    /**
     * Records {@code vm}'s migration settings before CHIRP changes them, and the scratch folder it will use.
     *
     * @param parameters the migration parameters CHIRP will change, with their current values
     * @param events     the current state of the "events" migration capability
     */
    public static PauseGuard forMigration(QemuVm vm, QmpClient qmp, String operation, Map<String, Long> parameters,
                                          boolean events, Path scratch) {
        PauseGuard g = new PauseGuard(vm.name(), qmp, "running".equals(qmp.status()), QmpResume::spawn);
        g.notes.addAll(settleStale(vm.name(), vm.pid(), qmp));
        g.arm(PauseMarker.ours(PauseMarker.Kind.MIGRATION, vm.name(), vm.pid(), socket(vm), operation, g.wasRunning,
                parameters, events).withScratch(scratch), true);
        return g;
    }

    /**
     * {@link #forMigration(QemuVm, QmpClient, String, Map, boolean, Path)} for a libvirt domain, whose QEMU CHIRP
     * reaches through libvirt's monitor passthrough ({@code monitor}); {@code guardian} starts chirp-libvirt's guardian
     * for the marker (this module cannot see libvirt), which recovers through the same passthrough.
     */
    public static PauseGuard forLibvirtMigration(String uri, String domain, QemuMonitor monitor, String operation,
                                                 Map<String, Long> parameters, boolean events, Path scratch,
                                                 java.util.function.Function<PauseMarker, Guardian.Handle> guardian) {
        PauseGuard g = new PauseGuard("libvirt:" + domain, monitor, "running".equals(monitor.status()), guardian);
        g.notes.addAll(settleStale("libvirt:" + domain, -1, monitor));
        g.arm(PauseMarker.oursOnLibvirt(PauseMarker.Kind.MIGRATION, uri, domain, operation, g.wasRunning, parameters,
                events).withScratch(scratch), true);
        return g;
    }

    private void arm(PauseMarker m, boolean withGuardian) {
        // The guardian first, the marker second: killed in between, the guardian finds no marker and nothing was
        // changed yet; killed after, it finds the marker. The other order leaves a window with nobody to recover.
        if (withGuardian) {
            OwnerOnly.directories(m.file().getParent());
            try {
                guardian = spawner.apply(m);
            } catch (ChirpException e) {
                // the marker and the shutdown hook still cover every exit but SIGKILL; say so rather than refuse
                notes.add("no guardian process (" + e.getMessage() + "): if CHIRP is killed outright, run chirp vm resume "
                        + vmName);
            }
        }
        try {
            m.write();
        } catch (RuntimeException e) {
            if (guardian != null) guardian.dismiss();
            throw e;
        }
        marker = m;
        hook = new Thread(this::onShutdown, "chirp-pause-guard " + vmName);
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** {@return whether the guest ran when the guard was made (only then does CHIRP pause and resume it)} */
    public boolean wasRunning() { return wasRunning; }

    /** {@return warnings about earlier interrupted CHIRP runs on this VM, found and cleaned up} */
    public List<String> notes() { return List.copyOf(notes); }

    /** Pauses the guest (QMP stop) if it was running; the marker is already on disk. */
    public void pause() {
        if (!wasRunning || marker == null || marker.kind() != PauseMarker.Kind.PAUSE) return;
        paused = true; // before the command: if the reply is lost, the guest may be paused all the same
        qmp.execute("stop", null);
    }

    /** Resumes the guest if this guard paused it; works on an interrupted thread too. */
    public void resume() {
        if (!paused) return;
        uninterrupted(() -> {
            qmp.execute("cont", null);
            paused = false;
            return null;
        });
    }

    /** Puts run state and migration settings back now, keeping the marker until {@link #close()} (scratch in use). */
    public List<String> restore() {
        PauseMarker m = marker;
        if (m == null) return List.of();
        if (m.kind() == PauseMarker.Kind.PAUSE) {
            resume();
            return List.of();
        }
        return uninterrupted(() -> PauseRecovery.restoreVm(qmp, m));
    }

    /**
     * Runs a QMP exchange with the thread's interrupt status cleared and restores it after: an interrupted
     * thread writing to QMP's socket channel would close it, and the guest would stay paused.
     */
    private static <T> T uninterrupted(java.util.function.Supplier<T> work) {
        boolean interrupted = Thread.interrupted();
        try {
            return work.get();
        } finally {
            if (interrupted) Thread.currentThread().interrupt();
        }
    }

    /** Undoes whatever is left, removes the scratch folder and the marker, and dismisses the guardian. */
    @Override
    public void close() {
        try {
            PauseMarker m = marker;
            if (m == null) return;
            restore();
            PauseRecovery.finish(m).forEach(s -> log.debug("{}: {}", vmName, s));
            marker = null;
            if (guardian != null) guardian.dismiss();
            if (hook != null) {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException shuttingDown) {
                    // the hook is running or about to; it sees the latch
                }
            }
        } finally {
            closed.countDown();
        }
    }

    /** Ctrl-C or SIGTERM: let the working thread unwind; if it does not in time, undo the change from here. */
    private void onShutdown() {
        if (marker == null) return;
        owner.interrupt();
        try {
            if (closed.await(HOOK_GRACE.toMillis(), TimeUnit.MILLISECONDS) && marker == null) return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        PauseMarker m = marker;
        if (m == null) return;
        try {
            QemuMonitor q = qmp.isClosed() && !m.onLibvirt() ? QmpClient.connect(m.qmpSocket()) : qmp;
            for (String s : PauseRecovery.recover(q, m)) System.err.println("chirp: " + vmName + ": " + s);
        } catch (RuntimeException e) {
            System.err.println("chirp: could not put VM " + vmName + " back on exit (" + e.getMessage()
                    + "); the guardian will try; else run: chirp vm resume " + vmName);
        }
    }

    /**
     * Deals with a marker left by an earlier CHIRP on this VM before a new change: refuses while its owner runs,
     * forgets it if QEMU was restarted, finishes an interrupted migration's cleanup, and leaves a paused guest
     * paused (only {@code chirp vm resume} resumes it; the caller then sees the VM as paused).
     *
     * @return what was found and done, for the operator
     */
    static List<String> settleStale(String vmName, long qemuPid, QemuMonitor qmp) {
        Optional<PauseMarker> found = PauseMarker.read(vmName);
        if (found.isEmpty()) return List.of();
        PauseMarker m = found.get();
        if (m.chirpPid() == ProcessHandle.current().pid() || m.ownerAlive()) {
            throw ChirpException.usage(m.describe() + " and that CHIRP is still running; wait for it or stop it");
        }
        List<String> out = new ArrayList<>();
        if (m.qemuPid() != qemuPid) {
            out.add(m.describe() + "; that QEMU (pid " + m.qemuPid() + ") is gone: " + String.join("; ", PauseRecovery.forget(m)));
            return out;
        }
        String status = qmp.status();
        if (m.kind() == PauseMarker.Kind.PAUSE && !"running".equals(status)) {
            out.add(m.describe() + " and is still paused; CHIRP leaves it so. To resume it: chirp vm resume " + vmName);
            return out;
        }
        List<String> done = PauseRecovery.recover(qmp, m);
        out.add(m.describe() + " and was interrupted; cleaned up" + (done.isEmpty() ? "" : ": " + String.join("; ", done)));
        return out;
    }

    /**
     * {@return a warning when an earlier CHIRP left {@code vm} paused or mid-migration, for commands that only
     * read; changes nothing but a marker that is plainly obsolete (the VM runs again, or QEMU was restarted)}
     */
    public static Optional<String> staleNotice(QemuVm vm, QmpClient qmp) {
        Optional<PauseMarker> found;
        try {
            found = PauseMarker.read(vm.name());
        } catch (ChirpException e) {
            return Optional.of(e.getMessage());
        }
        if (found.isEmpty() || found.get().ownerAlive()) return Optional.empty();
        PauseMarker m = found.get();
        if (m.qemuPid() != vm.pid()) {
            PauseRecovery.forget(m);
            return Optional.empty();
        }
        String status = qmp == null ? "unknown" : qmp.status();
        if (m.kind() == PauseMarker.Kind.PAUSE && "running".equals(status)) {
            m.delete(); // resumed since by someone: nothing left to say
            return Optional.empty();
        }
        String state = m.kind() == PauseMarker.Kind.PAUSE ? "is still paused"
                : "its migration settings or scratch files may not be restored (status " + status + ")";
        return Optional.of(m.describe() + " and " + state + "; to put it back: chirp vm resume " + vm.name());
    }

    private static Path socket(QemuVm vm) {
        return vm.qmpSocket().orElseThrow(() -> ChirpException.unavailable("VM " + vm.name() + " has no QMP socket"));
    }
}
