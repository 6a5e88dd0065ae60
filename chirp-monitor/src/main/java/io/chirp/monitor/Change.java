package io.chirp.monitor;

/** A difference between two successive snapshots of a VM, or a change in the VM's own state. */
public sealed interface Change {
    /** A process appeared. */
    record ProcessStarted(Snapshot.Proc process, Snapshot.Proc parent) implements Change {}

    /** How the short-lived-process capture ({@link ProcessCapture}) saw a process. */
    enum Capture {
        /** On the task list, between two of its ticks. */
        LIVE("capture:live"),
        /** A process already reported that now runs another program (it exec'd). */
        EXEC("capture:exec"),
        /** Only as a freed task_struct in slab memory: it started and exited between two ticks. */
        CARVED("capture:carved");

        private final String observedBy;

        Capture(String observedBy) { this.observedBy = observedBy; }

        /** {@return the value of the event's {@code unmapped.observed_by}} */
        public String observedBy() { return observedBy; }
    }

    /** A process the short-lived-process capture saw start (or exec), and how. */
    record ProcessCaptured(Snapshot.Proc process, Snapshot.Proc parent, Capture how) implements Change {}

    /**
     * The capture's kernel counters say more tasks started than it could recover.
     *
     * @param started   tasks started since the capture began
     * @param recovered processes and programs it reported (live, exec, carved)
     * @param newlyLost tasks lost since the last gap reported
     * @param lost      tasks lost since the capture began
     */
    record CaptureGap(long started, long recovered, long newlyLost, long lost) implements Change {}

    /** What happened to a file. */
    enum FileKind { CREATE, UPDATE, RENAME, DELETE }

    /**
     * A file was created, changed, renamed or deleted in the guest, as two polls of its inode caches differ.
     *
     * @param newPath for a rename, the new path ({@code file} has the old one); else null
     * @param actor   a process that held it open at the poll, or null
     */
    record FileActivity(FileKind kind, Snapshot.File file, String newPath, Snapshot.Proc actor) implements Change {}

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
