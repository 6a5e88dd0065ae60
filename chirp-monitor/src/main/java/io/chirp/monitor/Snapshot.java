package io.chirp.monitor;

import java.util.List;
import java.util.Map;

/**
 * What a VM looked like at one poll: the views that changes are computed from. Keys are chosen so that a
 * reused pid or a re-loaded module at a new address counts as a new object.
 *
 * @param takenMillis host time of the poll
 * @param processes   by key (tgid and start time)
 * @param modules     by key (name and base address)
 * @param sockets     by key (protocol, endpoints, inode)
 * @param findings    integrity findings by key (check and summary), or null when integrity was not checked
 * @param complete    false if a walk was partial (then disappearances are not reported: absence is not proof)
 */
public record Snapshot(long takenMillis, Map<String, Proc> processes, Map<String, Module> modules,
                       Map<String, Socket> sockets, Map<String, Finding> findings, boolean complete) {

    /** A process (thread-group leader). */
    public record Proc(int pid, int ppid, String comm, String cmdline, String exe, int uid, int euid, double startSeconds,
                       boolean kernelThread) {}

    /** A kernel module. */
    public record Module(String name, long base, long size) {}

    /** An Internet socket with its owners. */
    public record Socket(String protocol, String state, String local, int localPort, String remote, int remotePort,
                         long inode, List<Integer> pids, List<String> comms) {
        /** {@return true for a listening (TCP) or bound unconnected (UDP) socket} */
        public boolean listening() { return state.equals("LISTEN") || state.equals("UNCONN"); }
    }

    /**
     * A file in the guest's inode caches ({@link FileWatch}); times are epoch seconds, null when unreadable.
     *
     * @param address the struct inode
     */
    public record File(String mount, String fsType, long inode, String path, long size, Integer uid, Double accessed,
                       Double modified, Double changed, boolean deleted, long address) {
        /** {@return what identifies the file between polls: its file system, inode number and struct inode} */
        public String key() { return mount + "\u0000" + inode + "\u0000" + address; }
    }

    /** An integrity finding. */
    public record Finding(String check, String severity, String summary, Map<String, String> evidence) {}
}
