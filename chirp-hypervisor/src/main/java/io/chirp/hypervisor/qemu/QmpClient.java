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

    private QmpClient(Path socket) throws IOException {
        this.socket = socket;
        this.channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        channel.connect(UnixDomainSocketAddress.of(socket));
        BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8));
        this.out = Channels.newOutputStream(channel);
        // QMP serves one client at a time: a busy monitor accepts the connection but never greets. Don't hang.
        Thread guard = Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(5000);
                channel.close();
            } catch (InterruptedException | IOException ignored) {
                // greeting arrived in time
            }
        });
        String first;
        try {
            first = in.readLine();
        } catch (IOException e) {
            throw new IOException("no QMP greeting within 5 s (is another QMP client connected?)");
        } finally {
            guard.interrupt();
        }
        if (first == null) throw new IOException("QMP socket closed before the greeting (another client connected?)");
        this.greeting = JSON.readTree(first);
        if (!greeting.has("QMP")) throw new IOException("not a QMP greeting: " + first);
        Thread.ofVirtual().name("qmp-reader " + socket.getFileName()).start(() -> readLoop(in));
    }

    /** Connects and negotiates capabilities. */
    public static QmpClient connect(Path socket) {
        try {
            QmpClient c = new QmpClient(socket);
            c.execute("qmp_capabilities", null);
            return c;
        } catch (IOException e) {
            throw ChirpException.unavailable("cannot connect to QMP at " + socket + ": " + e.getMessage());
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
            synchronized (out) {
                out.write((msg + "\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
            JsonNode reply = f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (reply.has("error")) {
                JsonNode e = reply.get("error");
                throw new ChirpException(ChirpException.Kind.UNAVAILABLE, "QMP " + command + " failed: "
                        + e.path("class").asText() + ": " + e.path("desc").asText());
            }
            return reply.path("return");
        } catch (IOException e) {
            throw ChirpException.io("QMP write to " + socket + " failed: " + e.getMessage(), e);
        } catch (TimeoutException e) {
            throw ChirpException.unavailable("QMP " + command + " got no reply within " + timeout);
        } catch (ExecutionException e) {
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
            n = JSON.readTree(line);
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

    private void readLoop(BufferedReader in) {
        try {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.length() > 64 << 20) continue;
                Message m;
                try {
                    m = parseLine(line);
                } catch (ChirpException e) {
                    continue;   // one bad line must not cost the connection: the next reply may be fine
                }
                switch (m) {
                    case Message.AsyncEvent(Event e) -> {
                        if (!events.offer(e)) { events.poll(); events.offer(e); }
                        for (Consumer<Event> l : listeners) {
                            try { l.accept(e); } catch (RuntimeException ignored) { /* a listener's bug must not stop QMP */ }
                        }
                    }
                    case Message.Reply(String id, JsonNode reply) -> {
                        CompletableFuture<JsonNode> f = pending.get(id);
                        if (f != null) f.complete(reply);
                    }
                    case Message.Ignored ignored -> { }
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

    @Override
    public void close() {
        closed = true;
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }
}
