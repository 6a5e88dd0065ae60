package io.chirp.hypervisor.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chirp.core.ChirpException;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A QMP client on a unix socket. Replies are matched to commands by id; asynchronous events (STOP, RESUME,
 * JOB_STATUS_CHANGE, ...) interleave with replies and are routed to listeners and a bounded queue instead.
 * One reader thread (virtual) per connection.
 *
 * <p>QEMU's QMP socket serves one client at a time, so within one JVM there is one connection per socket:
 * {@link #connect} hands out the live connection to every caller (the monitor's watcher, an API view, an
 * acquisition job in {@code chirp serve}) and counts them; {@link #close} closes the socket when the last one
 * lets go. Commands are matched to replies by id, so callers on different threads do not see each other's answers.
 */
public final class QmpClient implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    /** An asynchronous QMP event, with QEMU's own timestamp in microseconds since the epoch. */
    public record Event(String name, JsonNode data, long timestampMicros) {}

    private final Path socket;
    private final SocketChannel channel;
    private final OutputStream out;
    private final Map<String, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    private final BlockingQueue<Event> events = new LinkedBlockingQueue<>(10_000);
    private final CopyOnWriteArrayList<Consumer<Event>> listeners = new CopyOnWriteArrayList<>();
    private final AtomicLong ids = new AtomicLong();
    private final JsonNode greeting;
    private volatile boolean closed;
    /** Live connections by socket; {@link #refs} is guarded by this map. */
    private static final Map<Path, QmpClient> SHARED = new java.util.HashMap<>();
    private int refs = 1;
    private final java.util.concurrent.ExecutorService writer =
            java.util.concurrent.Executors.newSingleThreadExecutor(Thread.ofVirtual().name("qmp-writer").factory());

    private QmpClient(Path socket) throws IOException {
        this.socket = socket;
        this.channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        // QMP serves one client at a time: a busy monitor accepts the connection but never greets, and once its
        // backlog is full even connect() blocks. Don't hang in either.
        Thread guard = Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(5000);
                channel.close();
            } catch (InterruptedException | IOException ignored) {
                // greeting arrived in time
            }
        });
        String first;
        BufferedReader in;
        try {
            channel.connect(UnixDomainSocketAddress.of(socket));
            in = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8));
            first = in.readLine();
        } catch (IOException e) {
            throw new IOException("no QMP greeting within 5 s (is another QMP client connected?)");
        } finally {
            guard.interrupt();
        }
        this.out = Channels.newOutputStream(channel);
        if (first == null) throw new IOException("QMP socket closed before the greeting (another client connected?)");
        this.greeting = JSON.readTree(first);
        if (!greeting.has("QMP")) throw new IOException("not a QMP greeting: " + first);
        Thread.ofVirtual().name("qmp-reader " + socket.getFileName()).start(() -> readLoop(in));
    }

    /** Connects and negotiates capabilities, or shares this JVM's live connection to the same socket. */
    public static QmpClient connect(Path socket) {
        Path key = socket.toAbsolutePath().normalize();
        synchronized (SHARED) {
            QmpClient live = SHARED.get(key);
            if (live != null && !live.closed) {
                live.refs++;
                return live;
            }
            try {
                QmpClient c = new QmpClient(socket);
                c.execute("qmp_capabilities", null);
                SHARED.put(key, c);
                return c;
            } catch (IOException e) {
                throw ChirpException.unavailable("cannot connect to QMP at " + socket + ": " + e.getMessage());
            }
        }
    }

    /** {@return QEMU's version from the greeting, e.g. "7.2.22"} */
    public String qemuVersion() {
        JsonNode v = greeting.path("QMP").path("version").path("qemu");
        return v.path("major").asInt() + "." + v.path("minor").asInt() + "." + v.path("micro").asInt();
    }

    /** Runs a command and returns its "return" value. QMP errors become ChirpExceptions naming the command. */
    public JsonNode execute(String command, Map<String, ?> arguments) {
        return execute(command, arguments, DEFAULT_TIMEOUT);
    }

    public JsonNode execute(String command, Map<String, ?> arguments, Duration timeout) {
        if (closed) throw ChirpException.unavailable("QMP connection to " + socket + " is closed");
        String id = "chirp-" + ids.incrementAndGet();
        ObjectNode msg = JSON.createObjectNode();
        msg.put("execute", command);
        if (arguments != null && !arguments.isEmpty()) msg.set("arguments", JSON.valueToTree(arguments));
        msg.put("id", id);
        CompletableFuture<JsonNode> f = new CompletableFuture<>();
        pending.put(id, f);
        try {
            byte[] line = (msg + "\n").getBytes(StandardCharsets.UTF_8);
            // Written by the connection's own writer thread: an interrupt of the caller's thread inside a channel
            // write would close the channel, and the connection is shared by every caller in this JVM.
            writer.submit(() -> {
                synchronized (out) {
                    out.write(line);
                    out.flush();
                }
                return null;
            }).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            JsonNode reply = f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (reply.has("error")) {
                JsonNode e = reply.get("error");
                throw new ChirpException(ChirpException.Kind.UNAVAILABLE, "QMP " + command + " failed: "
                        + e.path("class").asText() + ": " + e.path("desc").asText());
            }
            return reply.path("return");
        } catch (java.util.concurrent.RejectedExecutionException e) {
            throw ChirpException.unavailable("QMP connection to " + socket + " is closed");
        } catch (TimeoutException e) {
            throw ChirpException.unavailable("QMP " + command + " got no reply within " + timeout);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw ChirpException.io("QMP write to " + socket + " failed: " + io.getMessage(), io);
            }
            throw ChirpException.unavailable("QMP connection lost during " + command + ": " + e.getCause().getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ChirpException(ChirpException.Kind.INTERRUPTED, "interrupted during QMP " + command);
        } finally {
            pending.remove(id);
        }
    }

    /** Runs a human monitor (HMP) command line and returns its text output. */
    public String hmp(String commandLine) {
        return execute("human-monitor-command", Map.of("command-line", commandLine)).asText();
    }

    /** {@return "running", "paused", "debug", "shutdown", ... from query-status} */
    public String status() { return execute("query-status", null).path("status").asText(); }

    /** Adds a listener called on the reader thread for each event. */
    public void onEvent(Consumer<Event> listener) { listeners.add(listener); }

    /** Removes a listener (one whose work is done: the connection may be shared and outlive it). */
    public void removeListener(Consumer<Event> listener) { listeners.remove(listener); }

    /** {@return the next event named {@code name} within the timeout, or null} */
    public Event awaitEvent(String name, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) return null;
            Event e = events.poll(left, TimeUnit.NANOSECONDS);
            if (e == null) return null;
            if (e.name().equals(name)) return e;
        }
    }

    /** Drops queued events (before waiting for a fresh one). */
    public void clearEvents() { events.clear(); }

    private void readLoop(BufferedReader in) {
        try {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.length() > 64 << 20) continue;
                JsonNode n = JSON.readTree(line);
                if (n.has("event")) {
                    JsonNode ts = n.path("timestamp");
                    Event e = new Event(n.get("event").asText(), n.path("data"),
                            ts.path("seconds").asLong() * 1_000_000L + ts.path("microseconds").asLong());
                    if (!events.offer(e)) { events.poll(); events.offer(e); }
                    for (Consumer<Event> l : listeners) {
                        try { l.accept(e); } catch (RuntimeException ignored) { /* a listener's bug must not stop QMP */ }
                    }
                } else if (n.has("id")) {
                    CompletableFuture<JsonNode> f = pending.get(n.get("id").asText());
                    if (f != null) f.complete(n);
                }
            }
        } catch (IOException e) {
            // falls through: the connection is gone
        } finally {
            closed = true;
            IOException gone = new IOException("QMP connection closed (VM exited?)");
            pending.values().forEach(f -> f.completeExceptionally(gone));
        }
    }

    /** {@return true once the connection is gone (QEMU exited)} */
    public boolean isClosed() { return closed; }

    /** Lets go of the connection; the socket closes when no caller holds it any more. */
    @Override
    public void close() {
        synchronized (SHARED) {
            if (refs <= 0) return; // already let go of
            if (--refs > 0) return;
            SHARED.remove(socket.toAbsolutePath().normalize(), this);
        }
        closed = true;
        writer.shutdown();
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }
}
