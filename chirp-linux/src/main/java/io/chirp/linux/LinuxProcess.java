package io.chirp.linux;

import java.util.List;

/**
 * A process (or thread) as the kernel's task_struct describes it. Fields that could not be read are null, and
 * {@code problems} says which and why: one bad field does not lose the row.
 *
 * @param pid          the thread id (task_struct.pid)
 * @param tgid         the process id (thread group id)
 * @param ppid         the parent's tgid (real_parent)
 * @param comm         task_struct.comm: the kernel's name for it (can differ from argv[0])
 * @param uid          real uid
 * @param gid          real gid
 * @param euid         effective uid
 * @param egid         effective gid
 * @param startSeconds start time in seconds since boot
 * @param state        ps-style state letter (R, S, D, T, t, X, Z, P, I)
 * @param kernelThread true for kernel threads (no user memory)
 * @param task         address of the task_struct
 * @param mm           address of the mm_struct, 0 for kernel threads
 * @param cred         address of the real credentials
 * @param cmdline      command line from the process's own memory (args joined by spaces, each decoded as guest
 *                     text by {@link KernelReader#decode}), null if not read or unreadable
 * @param cmdlineTruncated true if the command line is longer than {@link Processes#MAX_CMDLINE} bytes and
 *                     {@code cmdline} holds only its start
 * @param exe          executable path (mm->exe_file), null if none or unreadable
 * @param problems     what could not be read
 */
public record LinuxProcess(int pid, int tgid, int ppid, String comm, Integer uid, Integer gid, Integer euid, Integer egid,
                           Double startSeconds, String state, boolean kernelThread, long task, long mm, long cred,
                           String cmdline, boolean cmdlineTruncated, String exe, List<String> problems) {
    public LinuxProcess {
        problems = List.copyOf(problems);
    }

    /** {@return true for the thread-group leader (a process rather than an extra thread)} */
    public boolean isLeader() { return pid == tgid; }
}
