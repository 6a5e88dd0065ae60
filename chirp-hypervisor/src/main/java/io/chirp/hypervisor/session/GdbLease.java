package io.chirp.hypervisor.session;

import io.chirp.hypervisor.qemu.GdbRemote;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The gdbstub of one VM, held by one user of this process until {@link #close()}, which detaches (the guest runs
 * on) and lets the next user in.
 */
public final class GdbLease implements AutoCloseable {
    private final VmSession session;
    private final GdbRemote remote;
    private final String purpose;
    private final AtomicBoolean closed = new AtomicBoolean();

    GdbLease(VmSession session, GdbRemote remote, String purpose) {
        this.session = session;
        this.remote = remote;
        this.purpose = purpose;
    }

    /** {@return the connection; valid until this lease closes} */
    public GdbRemote remote() { return remote; }

    public String purpose() { return purpose; }

    public VmSession session() { return session; }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) return;
        try {
            remote.close();
        } finally {
            session.gdbReleased();
        }
    }
}
