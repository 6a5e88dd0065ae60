package io.chirp.hypervisor.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import io.chirp.core.ChirpException;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A handle on QMP, the QEMU machine protocol, over a VM's unix socket. {@link #connect} opens a connection, or joins
 * the one this process's broker holds for the socket; {@link #share()} makes more handles on a connection, which
 * closes when its last handle closes. QEMU serves one QMP client at a time, so within a process a VM's connection
 * is owned by its {@code io.chirp.hypervisor.session.VmSession} (which {@code LiveVm.attach} uses). Any number of threads may run commands at once: replies are matched by id.
 * Asynchronous events (STOP, RESUME, JOB_STATUS_CHANGE, ...) go to every listener, each through its own bounded
 * queue and thread, so a slow listener delays nobody else; after a command returns, the caller's own listeners
 * have seen every event QEMU sent before the reply.
 *
 * <p>Nothing here waits forever: connecting, the greeting (QEMU accepts a second client into its listen queue but
 * greets only one), and every command have a timeout, and the error says which and, when another CHIRP process
 * holds QMP, who (see {@link ChannelLease}).
 */
public final class QmpClient implements QemuMonitor {
    private static final AtomicInteger LISTENERS = new AtomicInteger();

    /** An asynchronous QMP event, with QEMU's own timestamp in microseconds since the epoch. */
    public record Event(String name, JsonNode data, long timestampMicros) {}

    /** One line from QEMU, classified: an asynchronous event, a reply to a command (by id), or neither. */
    sealed interface Message {
        record AsyncEvent(Event event) implements Message {}
        record Reply(String id, JsonNode message) implements Message {}
        record Ignored() implements Message {}
    }

    /**
     * {@return the message on one line of the QMP stream}
     * @throws ChirpException CORRUPT if the line is not one JSON object (the reader skips it and carries on)
     */
    static Message parseLine(String line) {
        JsonNode n;
        try {
            n = PARSER.readTree(line);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {   // also the parser's size and nesting limits
            throw ChirpException.corrupt("QMP sent a line that is not JSON: " + e.getOriginalMessage());
        }
        if (n == null || !n.isObject()) throw ChirpException.corrupt("QMP sent a line that is not a JSON object");
        if (n.has("event")) {
            JsonNode ts = n.path("timestamp");
            return new Message.AsyncEvent(new Event(n.get("event").asText(), n.path("data"),
                    ts.path("seconds").asLong() * 1_000_000L + ts.path("microseconds").asLong()));
        }
        if (n.has("id")) return new Message.Reply(n.get("id").asText(), n);
        return new Message.Ignored();
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper PARSER = new com.fasterxml.jackson.databind.ObjectMapper();

    /**
     * How long to wait.
     *
     * @param connect  for the socket to accept (a full listen queue means QEMU is busy with another client)
     * @param greeting for QEMU's greeting once connected (it greets only the client it serves)
     * @param request  for each command's reply
     */
    public record Timeouts(Duration connect, Duration greeting, Duration request) {
        public static final Timeouts DEFAULT = new Timeouts(Duration.ofSeconds(3), Duration.ofSeconds(5), Duration.ofSeconds(30));
    }

    /** A listener's registration: {@link #close()} ends it; {@link #dropped()} counts events it was too slow for. */
    public interface Subscription extends AutoCloseable {
        String name();

        long dropped();

        @Override void close();
    }

    private final QmpConnection conn;
    private final Timeouts timeouts;
    private final List<EventSubscription> listeners = new CopyOnWriteArrayList<>();
    private final EventSubscription inbox;
    private final List<Runnable> onRelease = new CopyOnWriteArrayList<>();
    private final AtomicBoolean released = new AtomicBoolean();

    private QmpClient(QmpConnection conn, Timeouts timeouts) {
        this.conn = conn;
        this.timeouts = timeouts;
        // Events for awaitEvent: a plain queue, oldest dropped when full, nobody to warn about.
        this.inbox = new EventSubscription("inbox", 1000, null, () -> { });
        conn.subscriptions.add(inbox);
    }

    /** Connects with the default timeouts. */
    public static QmpClient connect(Path socket) { return connect(socket, Timeouts.DEFAULT); }

    /**
     * Connects: joins this process's broker-owned connection to the socket if there is one ({@link #shareWithProcess}),
     * else opens a connection of its own, which fails (within the timeouts) while anyone else holds QMP.
     *
     * @throws ChirpException UNAVAILABLE within the timeouts when QMP cannot be had, saying who holds it if known
     */
    public static QmpClient connect(Path socket, Timeouts timeouts) {
        return connect(socket, timeouts, "QMP at " + socket);
    }

    /** Connects as {@link #connect(Path, Timeouts)}; errors name the channel as {@code label} ("QMP of VM lab"). */
    public static QmpClient connect(Path socket, Timeouts timeouts, String label) {
        return new QmpClient(QmpConnection.open(socket, timeouts, label), timeouts);
    }

    /** {@return another handle on the same connection, which stays open until both are closed} */
    public QmpClient share() {
        if (released.get()) throw ChirpException.unavailable("QMP handle on " + conn.socket + " is closed");
        conn.retain();
        return new QmpClient(conn, timeouts);
    }

    /** {@return the CHIRP process (other than this one) that holds QMP on this socket, if any} */
    public static Optional<ChannelLease> holder(Path socket) {
        return ChannelLease.read("qmp", socket.toAbsolutePath().normalize().toString()).filter(l -> !l.isOurs());
    }

    /** {@return the socket this handle talks to} */
    public Path socket() { return conn.socket; }

    @Override public String channel() { return conn.socket.toAbsolutePath().toString(); }

    /** {@return QEMU's version from the greeting, e.g. "7.2.22"} */
    public String qemuVersion() {
        JsonNode v = conn.greeting().path("QMP").path("version").path("qemu");
        return v.path("major").asInt() + "." + v.path("minor").asInt() + "." + v.path("micro").asInt();
    }

    /** Runs a command and returns its "return" value. QMP errors become ChirpExceptions naming the command. */
    @Override public JsonNode execute(String command, Map<String, ?> arguments) {
        return execute(command, arguments, timeouts.request());
    }

    public JsonNode execute(String command, Map<String, ?> arguments, Duration timeout) {
        if (released.get()) throw ChirpException.unavailable("QMP handle on " + conn.socket + " is closed");
        return conn.execute(command, arguments, timeout, listeners);
    }

    /** Runs a human monitor (HMP) command line and returns its text output. */
    @Override public String hmp(String commandLine) {
        return execute("human-monitor-command", Map.of("command-line", commandLine)).asText();
    }

    /** {@return "running", "paused", "debug", "shutdown", ... from query-status} */
    @Override public String status() { return execute("query-status", null).path("status").asText(); }

    /** Adds a listener, called on its own thread for each event; it ends when this handle closes. */
    @Override public Subscription onEvent(Consumer<Event> listener) {
        return onEvent("listener-" + LISTENERS.incrementAndGet(), 1024, listener);
    }

    /**
     * Adds a named listener with a queue of {@code capacity} events: when it falls that far behind, its oldest
     * events are dropped, counted and logged under {@code name}.
     */
    public Subscription onEvent(String name, int capacity, Consumer<Event> listener) {
        if (released.get()) throw ChirpException.unavailable("QMP handle on " + conn.socket + " is closed");
        EventSubscription[] self = new EventSubscription[1];
        self[0] = new EventSubscription(name, capacity, listener, () -> {
            listeners.remove(self[0]);
            conn.subscriptions.remove(self[0]);
        });
        listeners.add(self[0]);
        conn.subscriptions.add(self[0]);
        return self[0];
    }

    /** {@return the next event named {@code name} within the timeout (from those since this handle opened), or null} */
    public Event awaitEvent(String name, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) return null;
            Event e = inbox.poll(left);
            if (e == null) return null;
            if (e.name().equals(name)) return e;
        }
    }

    /** Drops this handle's queued events (before waiting for a fresh one). */
    @Override public void clearEvents() { inbox.clear(); }

    /**
     * Shares a value with other CHIRP processes that find QMP busy, in this process's lease record (key "mtree":
     * QEMU's memory map, so they can read the RAM file at the right addresses without QMP).
     */
    public void publish(String key, String value) { conn.publish(key, value); }

    /**
     * Makes this handle's connection the process's connection to its socket: {@link #connect} calls elsewhere in this
     * process (code that knows only the socket path) then join it instead of queueing behind it. The broker does this
     * for the connections it owns; the connection stops being shared this way when it closes.
     */
    public void shareWithProcess() { conn.shareWithProcess(); }

    /** Runs {@code action} once when this handle closes (the broker counts its users this way). */
    public void onRelease(Runnable action) { onRelease.add(action); }

    /** {@return true once this handle is closed or the connection is gone (QEMU exited)} */
    @Override public boolean isClosed() { return released.get() || conn.isClosed(); }

    /** Ends this handle's listeners and lets go of the connection (closed with its last handle). */
    @Override
    public void close() {
        if (!released.compareAndSet(false, true)) return;
        for (EventSubscription s : listeners) s.close();
        conn.subscriptions.remove(inbox);
        try {
            conn.release();
        } finally {
            for (Runnable r : onRelease) {
                try {
                    r.run();
                } catch (RuntimeException ignored) {
                    // one user's bookkeeping must not stop the others'
                }
            }
        }
    }
}
