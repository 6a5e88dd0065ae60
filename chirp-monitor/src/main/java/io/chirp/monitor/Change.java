package io.chirp.monitor;

/** A difference between two successive snapshots of a VM, or a change in the VM's own state. */
public sealed interface Change {
    /** A process appeared. */
    record ProcessStarted(Snapshot.Proc process, Snapshot.Proc parent) implements Change {}

    /** A process is gone. */
    record ProcessExited(Snapshot.Proc process) implements Change {}

    /** A process's credentials changed (same process, different uid or euid). */
    record CredentialsChanged(Snapshot.Proc before, Snapshot.Proc after) implements Change {}

    /** A kernel module was loaded. */
    record ModuleLoaded(Snapshot.Module module) implements Change {}

    /** A kernel module was unloaded (or unlinked from the list). */
    record ModuleUnloaded(Snapshot.Module module) implements Change {}

    /** A socket started listening. */
    record SocketListening(Snapshot.Socket socket) implements Change {}

    /** A connection appeared; {@code inbound} when the guest accepted it on one of its listening ports. */
    record SocketConnected(Snapshot.Socket socket, boolean inbound) implements Change {}

    /** A listening socket or connection is gone. */
    record SocketClosed(Snapshot.Socket socket) implements Change {}

    /** An integrity check found something it had not found before. */
    record IntegrityFinding(Snapshot.Finding finding) implements Change {}

    /** The VM's run state changed: "running", "paused", "stopped" (QEMU gone), "attached", "detached". */
    record VmState(String state, String detail) implements Change {}
}
