package io.chirp.events.build;

/**
 * The parent of a process as seen at the time of the event.
 *
 * @param pid     parent pid
 * @param name    parent name (comm), or null
 * @param cmdLine parent command line, or null
 */
public record ParentInfo(int pid, String name, String cmdLine) {
    public ParentInfo {
        if (pid < 0) throw new IllegalArgumentException("pid < 0");
    }
}
