package io.chirp.hypervisor.qemu;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Map;
import java.util.function.Consumer;

/**
 * A QEMU monitor, however it is reached: CHIRP's own QMP connection ({@link QmpClient}, QEMU-direct) or a
 * management layer's passthrough (libvirt's {@code virDomainQemuMonitorCommand}, where libvirt owns the socket).
 * The QEMU operations of every back-end whose VMs are QEMU processes (fleecing a disk, a filter-dump capture,
 * pausing, HMP {@code info registers}) are written once, on this.
 */
public interface QemuMonitor extends AutoCloseable {

    /** Runs a QMP command and returns its "return" value; a QMP error is a ChirpException naming the command. */
    JsonNode execute(String command, Map<String, ?> arguments);

    /**
     * {@link #execute(String, Map)} with a bound on the wait for the reply where the channel has its own (QMP);
     * a passthrough's is its management layer's.
     */
    default JsonNode execute(String command, Map<String, ?> arguments, java.time.Duration timeout) {
        return execute(command, arguments);
    }

    /** Runs a human monitor (HMP) command line and returns its text output. */
    String hmp(String commandLine);

    /** {@return "running", "paused", ... from query-status} */
    default String status() { return execute("query-status", null).path("status").asText(); }

    /** Delivers QEMU's asynchronous events to {@code listener} (on another thread) until the subscription closes. */
    QmpClient.Subscription onEvent(Consumer<QmpClient.Event> listener);

    /** Drops events queued for waiters on this handle (a passthrough has none). */
    default void clearEvents() { }

    /** {@return true once this handle is closed or QEMU is gone} */
    boolean isClosed();

    /**
     * {@return a stable name of the monitor channel, e.g. the QMP socket path or {@code libvirt:URI#domain}} Records
     * of what CHIRP set up inside a QEMU (fleeces) are keyed by it, so a later CHIRP can clean up after a killed one.
     */
    String channel();

    /** Lets go of this handle (a shared connection stays open for its other users). */
    @Override void close();
}
