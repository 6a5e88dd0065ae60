package io.chirp.monitor.trace;

import java.util.List;

/**
 * A kernel event caught at a breakpoint, with what the guest was doing at that instant.
 */
public sealed interface TraceEvent {
    /** {@return host time of the hit, epoch milliseconds} */
    long hostTimeMillis();

    /** {@return the task that hit the breakpoint} */
    TaskRef task();

    /** The task that hit: pid/tgid, name, parent. */
    record TaskRef(int pid, int tgid, String comm, int ppid, String parentComm, int uid) {}

    /** execve: the caller is about to become {@code filename} with {@code argv}. */
    record Exec(long hostTimeMillis, TaskRef task, String filename, List<String> argv, boolean argvTruncated)
            implements TraceEvent {}

    /** do_exit: the task ends with {@code code}. */
    record Exit(long hostTimeMillis, TaskRef task, long code) implements TraceEvent {}

    /** do_init_module: a kernel module is being initialised. */
    record ModuleLoad(long hostTimeMillis, TaskRef task, String module) implements TraceEvent {}

    /** connect(2): the task connects socket {@code fd} to an address. */
    record Connect(long hostTimeMillis, TaskRef task, int fd, int family, String address, int port) implements TraceEvent {}
}
