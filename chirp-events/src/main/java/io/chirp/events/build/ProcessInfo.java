package io.chirp.events.build;

import java.util.Objects;

/**
 * A guest process as CHIRP saw it. Optional facts are null when unknown (an unreadable field does not stop the
 * event); the {@code with*} methods add them.
 *
 * @param pid         process id (in the guest's initial pid namespace)
 * @param name        process name (comm)
 * @param cmdLine     command line (arguments joined by spaces), or null
 * @param path        executable path, or null
 * @param user        the user it runs as, or null
 * @param parent      its parent, or null
 * @param createdTime start time, epoch ms, or null
 * @param uid         a CHIRP-wide unique id of the process (e.g. VM uuid + pid + start time), or null
 */
public record ProcessInfo(int pid, String name, String cmdLine, String path, UserInfo user, ParentInfo parent,
                          Long createdTime, String uid) {
    public ProcessInfo {
        if (pid < 0) throw new IllegalArgumentException("pid < 0");
        Objects.requireNonNull(name, "name");
    }

    /** {@return a process known only by pid and name} */
    public static ProcessInfo of(int pid, String name) { return new ProcessInfo(pid, name, null, null, null, null, null, null); }

    public ProcessInfo withCmdLine(String v) { return new ProcessInfo(pid, name, v, path, user, parent, createdTime, uid); }

    public ProcessInfo withPath(String v) { return new ProcessInfo(pid, name, cmdLine, v, user, parent, createdTime, uid); }

    public ProcessInfo withUser(UserInfo v) { return new ProcessInfo(pid, name, cmdLine, path, v, parent, createdTime, uid); }

    public ProcessInfo withParent(ParentInfo v) { return new ProcessInfo(pid, name, cmdLine, path, user, v, createdTime, uid); }

    public ProcessInfo withCreatedTime(long v) { return new ProcessInfo(pid, name, cmdLine, path, user, parent, v, uid); }

    public ProcessInfo withUid(String v) { return new ProcessInfo(pid, name, cmdLine, path, user, parent, createdTime, v); }
}
