package io.chirp.hypervisor.session;

import io.chirp.core.ChirpException;
import io.chirp.hypervisor.QemuVm;
import io.chirp.hypervisor.qemu.ChannelLease;
import io.chirp.hypervisor.qemu.GdbRemote;
import io.chirp.hypervisor.qemu.QmpClient;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * One VM's channels in this process: its QMP connection, shared by every user through {@link #qmp()} handles and
 * closed after the last one is released (and an idle grace), and its gdbstub, which one user at a time may hold
 * ({@link #gdb}), because attaching pauses the guest and QEMU serves one gdb client.
 */
public final class VmSession {
    private final QemuVm vm;
    private final VmSessions broker;
    private final Object lock = new Object();
    private QmpClient root;     // guarded by lock: the broker's own handle, kept through the idle grace
    private int users;          // guarded by lock
    private long generation;    // guarded by lock: a grace timer acts only if nothing happened since it started
    private ChirpException failure; // guarded by lock: the last failed connect, and when
    private long failedAt;
    private static final Duration RETRY_AFTER = Duration.ofSeconds(5);
    private final Semaphore gdb = new Semaphore(1, true);
    private volatile String gdbPurpose;
    private volatile Instant gdbSince;

    VmSession(QemuVm vm, VmSessions broker) {
        this.vm = vm;
        this.broker = broker;
    }

    public QemuVm vm() { return vm; }

    /**
     * {@return a new handle on this VM's QMP connection, connecting if needed; close it when done}
     *
     * @throws ChirpException UNAVAILABLE within seconds if QMP cannot be had, naming its holder when known
     */
    public QmpClient qmp() {
        Path socket = vm.qmpSocket().orElseThrow(() -> ChirpException.unavailable("VM " + vm.name() + " has no QMP socket"));
        synchronized (lock) {
            if (root == null || root.isClosed()) {
                if (root != null) root.close();
                root = null;
                // Each attempt on a busy QEMU costs its wait and a slot in its listen queue: a fresh failure stands.
                if (failure != null && System.nanoTime() - failedAt < RETRY_AFTER.toNanos()) {
                    throw new ChirpException(failure.kind(), failure.getMessage() + " (as found "
                            + (System.nanoTime() - failedAt) / 1_000_000 + " ms ago; retried after " + RETRY_AFTER.toSeconds() + " s)");
                }
                try {
                    root = QmpClient.connect(socket, QmpClient.Timeouts.DEFAULT, "QMP of VM " + vm.name());
                    root.shareWithProcess();
                    failure = null;
                } catch (ChirpException e) {
                    failure = e;
                    failedAt = System.nanoTime();
                    throw e;
                }
            }
            QmpClient h = root.share();
            users++;
            generation++;
            h.onRelease(this::released);
            return h;
        }
    }

    private void released() {
        long gen;
        Duration grace = broker.idleGrace();
        synchronized (lock) {
            if (--users > 0) return;
            gen = ++generation;
            if (grace.isZero() || grace.isNegative()) {
                closeRoot();
                return;
            }
        }
        Thread.ofVirtual().name("qmp-idle " + vm.name()).start(() -> {
            try {
                Thread.sleep(grace);
            } catch (InterruptedException e) {
                return;
            }
            synchronized (lock) {
                if (generation == gen && users == 0) closeRoot();
            }
        });
    }

    private void closeRoot() {
        if (root != null) root.close();
        root = null;
    }

    /** {@return how many handles on QMP are open in this process} */
    public int qmpUsers() {
        synchronized (lock) {
            return users;
        }
    }

    /** {@return whether this process is connected to the VM's QMP now} */
    public boolean qmpConnected() {
        synchronized (lock) {
            return root != null && !root.isClosed();
        }
    }

    /** {@return the other CHIRP process that holds this VM's QMP, if one does} */
    public Optional<ChannelLease> qmpHolder() {
        return vm.qmpSocket().flatMap(QmpClient::holder);
    }

    /**
     * Takes the gdbstub for {@code purpose}, waiting up to {@code wait} if another user of this process has it.
     * The guest is paused while the lease is held (except while a tracer lets it run): release it soon.
     *
     * @throws ChirpException UNAVAILABLE if the stub is in use (here: by whom; elsewhere: who, when a CHIRP process)
     */
    public GdbLease gdb(String purpose, Duration wait) {
        if (vm.gdbPort() <= 0) throw ChirpException.unavailable("VM " + vm.name() + " has no gdbstub");
        boolean got;
        try {
            got = wait.isZero() ? gdb.tryAcquire() : gdb.tryAcquire(wait.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ChirpException(ChirpException.Kind.INTERRUPTED, "interrupted waiting for the gdbstub");
        }
        if (!got) {
            String who = gdbPurpose;
            throw ChirpException.unavailable("the gdbstub of VM " + vm.name() + " is in use by the " + (who == null ? "?" : who)
                    + " in this process (since " + gdbSince + ")" + (wait.isZero() ? "" : "; waited " + wait.toSeconds() + " s")
                    + "; QEMU serves one gdb client at a time");
        }
        try {
            GdbRemote remote = GdbRemote.connect("127.0.0.1", vm.gdbPort(), purpose);
            gdbPurpose = purpose;
            gdbSince = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
            return new GdbLease(this, remote, purpose);
        } catch (RuntimeException e) {
            gdb.release();
            if (e instanceof ChirpException ce) {
                throw new ChirpException(ce.kind(), "VM " + vm.name() + ": " + ce.getMessage(), ce);
            }
            throw e;
        }
    }

    /** {@return who in this process holds the gdbstub now, if anyone} */
    public Optional<String> gdbUser() {
        return gdb.availablePermits() == 0 ? Optional.ofNullable(gdbPurpose) : Optional.empty();
    }

    void gdbReleased() {
        gdbPurpose = null;
        gdbSince = null;
        gdb.release();
    }

    /** {@return true when the QEMU process is gone and nobody here uses the session} */
    boolean isDefunct() {
        if (ProcessHandle.of(vm.pid()).map(ProcessHandle::isAlive).orElse(false)) return false;
        synchronized (lock) {
            return users == 0 && gdb.availablePermits() == 1;
        }
    }
}
