package io.chirp.linux.carve;

import java.util.List;

/**
 * A task_struct found in slab memory, with what it still says. Fields that could not be read are null and
 * {@code problems} says why.
 *
 * @param pid          thread id
 * @param tgid         process id
 * @param ppid         the tgid its real_parent pointer leads to now (the parent may itself be gone: then null)
 * @param comm         its name
 * @param uid          real uid through its cred pointer (null when unreadable; a freed cred may be reused)
 * @param startSeconds start time, seconds since boot
 * @param state        ps-style state letter
 * @param task         address of the task_struct
 * @param mm           its mm pointer (0 once a task has exited: exit_mm clears it)
 * @param status       how it relates to the kernel's lists
 * @param inPidTable   whether the PID allocator still leads to it
 * @param cmdline      command line, for a task that still has its memory (null otherwise)
 * @param exe          executable path, for a task that still has its memory (null otherwise)
 * @param problems     what could not be read
 */
public record CarvedTask(int pid, int tgid, Integer ppid, String comm, Integer uid, double startSeconds, String state,
                         long task, long mm, Status status, boolean inPidTable, String cmdline, String exe,
                         List<String> problems) {
    public CarvedTask {
        problems = List.copyOf(problems);
    }

    /** How a carved task relates to the kernel's own views. */
    public enum Status {
        /** On the task list (or a thread of a task on it): what pslist shows too. */
        LISTED,
        /** Off the list and marked dead by the kernel itself (exit_state set, list links poisoned): it exited. */
        EXITED,
        /** Off the list but alive (not dead, its thread links consistent): unlinked by someone, as rootkits do. */
        HIDDEN,
        /** Off the list, not marked dead, and not linked to anything live: a freed or half-built object. */
        STALE
    }

    /** {@return true for the thread-group leader} */
    public boolean isLeader() { return pid == tgid; }
}
