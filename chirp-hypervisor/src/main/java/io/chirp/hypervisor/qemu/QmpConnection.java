package io.chirp.hypervisor.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chirp.core.ChirpException;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.SocketException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One QMP connection, shared by every {@link QmpClient} handle made from it ({@link QmpClient#share()}) and closed
 * when the last handle closes. QEMU serves one QMP client at a time, so a second connection from the same process
 * would only wait in QEMU's listen queue: users of one process share a VM's connection through its
 * {@code VmSession}, which holds one of these.
 *
 * <p>Threads: one virtual reader thread per connection reads every line; replies complete the waiting caller's
 * future (matched by id, so any number of threads may have commands in flight), events are offered to every
 * subscription's bounded queue. Writes are serialised on the output stream.
 */
final class QmpConnection {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration POLL = Duration.ofMillis(50);

    final Path socket;
    private final SocketChannel channel;
    private final OutputStream out;
    private final JsonNode greeting;
    private final Map<String, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    final CopyOnWriteArrayList<EventSubscription> subscriptions = new CopyOnWriteArrayList<>();
    private final AtomicLong ids = new AtomicLong();
    private volatile ChannelLease lease;
    private int refs;           // guarded by this
    private volatile boolean closed;

    private QmpConnection(Path socket, QmpClient.Timeouts t) throws IOException {
        this.socket = socket;
        this.channel = open(socket, t.connect());
        BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8));
        this.out = Channels.newOutputStream(channel);
        // QMP serves one client at a time: a busy QEMU lets the connection into its listen queue and never greets.
        CompletableFuture<String> first = new CompletableFuture<>();
        Thread.ofVirtual().name("qmp-reader " + socket.getFileName()).start(() -> readLoop(in, first));
        String line;
        try {
            line = first.get(t.greeting().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            closeChannel();
            throw new Busy("QEMU accepted the connection but sent no QMP greeting within " + seconds(t.greeting())
                    + ": it serves one QMP client at a time and another client holds it");
        } catch (ExecutionException e) {
            closeChannel();
            throw new IOException("QMP socket closed before the greeting (" + e.getCause().getMessage() + ")");
        } catch (InterruptedException e) {
            closeChannel();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for the QMP greeting");
        }
        JsonNode g;
        try {
            g = JSON.readTree(line);
        } catch (IOException e) {
            closeChannel();
            throw new IOException("not a QMP greeting: " + line.substring(0, Math.min(200, line.length())));
        }
        this.greeting = g;
        if (!greeting.has("QMP")) {
            closeChannel();
            throw new IOException("not a QMP greeting: " + line.substring(0, Math.min(200, line.length())));
        }
    }

    /** The channel is taken: QEMU is serving someone else. */
    static final class Busy extends IOException {
        Busy(String m) { super(m); }
    }

    /** The connection this process's broker owns for each socket: plain connect() calls here join it. */
    private static final Map<Path, QmpConnection> PROCESS = new ConcurrentHashMap<>();

    /**
     * {@return the broker's connection to {@code socket} with one more reference taken, else a new connection}
     *
     * @throws ChirpException UNAVAILABLE when it cannot connect, saying who holds QMP when another process does
     */
    static QmpConnection open(Path socket, QmpClient.Timeouts t, String label) {
        Path key = socket.toAbsolutePath().normalize();
        QmpConnection mine = PROCESS.get(key);
        if (mine != null) {
            try {
                mine.retain();
                return mine;
            } catch (ChirpException closedMeanwhile) {
                PROCESS.remove(key, mine);
            }
        }
        Optional<ChannelLease> held = ChannelLease.read("qmp", key.toString());
        // Don't even try: every attempt would take a slot in QEMU's listen queue until the holder lets go.
        if (held.isPresent() && !held.get().isOurs()) throw heldBy(label, held.get());
        QmpConnection c;
        try {
            c = new QmpConnection(key, t);
            c.refs = 1;
            try {
                c.execute("qmp_capabilities", null, t.request(), java.util.List.of());
            } catch (ChirpException e) {
                c.close();
                throw e;
            }
        } catch (Busy e) {
            Optional<ChannelLease> now = ChannelLease.read("qmp", key.toString());
            String who = now.map(l -> l.isOurs() ? "this process itself (another QMP connection of `" + l.command()
                    + "`; users of one process share a VM's connection through its VmSession)" : l.describe())
                    .orElse("another client");
            throw ChirpException.unavailable(label + " is held by " + who + ": " + e.getMessage());
        } catch (IOException e) {
            throw ChirpException.unavailable(label + ": cannot connect to " + key + ": " + e.getMessage());
        }
        c.lease = ChannelLease.write("qmp", key.toString(), "", Map.of());
        return c;
    }

    static ChirpException heldBy(String label, ChannelLease l) {
        return ChirpException.unavailable(label + " is held by " + l.describe()
                + "; QEMU serves one QMP client at a time");
    }

    /** Makes this the process's connection to its socket (see {@link QmpClient#shareWithProcess()}). */
    void shareWithProcess() {
        if (!closed) PROCESS.put(socket, this);
    }

    void retain() {
        synchronized (this) {
            if (closed || refs <= 0) throw ChirpException.unavailable("QMP connection to " + socket + " is closed");
            refs++;
        }
    }

    void release() {
        synchronized (this) {
            if (--refs > 0) return;
        }
        close();
    }

    JsonNode greeting() { return greeting; }

    boolean isClosed() { return closed; }

    /** Shares a value with other CHIRP processes through this connection's lease record. */
    void publish(String key, String value) {
        ChannelLease l = lease;
        if (l != null && !closed) lease = l.publish(key, value);
    }

    /** Runs a command; {@code mine} are the caller's subscriptions, which see every earlier event before it returns. */
    JsonNode execute(String command, Map<String, ?> arguments, Duration timeout, java.util.List<EventSubscription> mine) {
        if (closed) throw ChirpException.unavailable("QMP connection to " + socket + " is closed");
        String id = "chirp-" + ids.incrementAndGet();
        ObjectNode msg = JSON.createObjectNode();
        msg.put("execute", command);
        if (arguments != null && !arguments.isEmpty()) msg.set("arguments", JSON.valueToTree(arguments));
        msg.put("id", id);
        CompletableFuture<JsonNode> f = new CompletableFuture<>();
        pending.put(id, f);
        try {
            // A write only blocks if QEMU stops reading its socket; the reply wait below is bounded either way.
            synchronized (out) {
                out.write((msg + "\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
            JsonNode reply = f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            for (EventSubscription s : mine) s.awaitDelivered(Duration.ofSeconds(2));
            if (reply.has("error")) {
                JsonNode e = reply.get("error");
                throw new ChirpException(ChirpException.Kind.UNAVAILABLE, "QMP " + command + " failed: "
                        + e.path("class").asText() + ": " + e.path("desc").asText());
            }
            return reply.path("return");
        } catch (IOException e) {
            throw ChirpException.io("QMP write to " + socket + " failed: " + e.getMessage(), e);
        } catch (TimeoutException e) {
            throw ChirpException.unavailable("QMP " + command + " got no reply from " + socket + " within " + seconds(timeout));
        } catch (ExecutionException e) {
            throw ChirpException.unavailable("QMP connection lost during " + command + ": " + e.getCause().getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ChirpException(ChirpException.Kind.INTERRUPTED, "interrupted during QMP " + command);
        } finally {
            pending.remove(id);
        }
    }

    private void readLoop(BufferedReader in, CompletableFuture<String> greeting) {
        try {
            String line = in.readLine();
            if (line == null) {
                greeting.completeExceptionally(new IOException("end of stream"));
                return;
            }
            greeting.complete(line);
            while ((line = in.readLine()) != null) {
                if (line.length() > 64 << 20) continue;
                QmpClient.Message m;
                try {
                    m = QmpClient.parseLine(line);
                } catch (ChirpException e) {
                    continue; // one bad line must not cost the connection: the next reply may be fine
                }
                switch (m) {
                    case QmpClient.Message.AsyncEvent(QmpClient.Event e) -> {
                        for (EventSubscription s : subscriptions) s.offer(e);
                    }
                    case QmpClient.Message.Reply(String id, JsonNode reply) -> {
                        CompletableFuture<JsonNode> f = pending.get(id);
                        if (f != null) f.complete(reply);
                    }
                    case QmpClient.Message.Ignored ignored -> { }
                }
            }
        } catch (IOException e) {
            greeting.completeExceptionally(e);
        } finally {
            closed = true;
            PROCESS.remove(socket, this);
            IOException gone = new IOException("QMP connection closed (VM exited?)");
            pending.values().forEach(f -> f.completeExceptionally(gone));
            ChannelLease l = lease;
            if (l != null) l.remove();
        }
    }

    private void close() {
        closed = true;
        PROCESS.remove(socket, this);
        closeChannel();
        ChannelLease l = lease;
        if (l != null) l.remove();
    }

    private void closeChannel() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }

    /**
     * Connects within {@code timeout}. A unix socket whose listen queue is full refuses a non-blocking connect with
     * EAGAIN (a blocking one would wait forever): that is the state of a QEMU whose one QMP client is busy and whose
     * queue already holds earlier hopefuls, so it is retried until the deadline and then reported as such.
     */
    private static SocketChannel open(Path socket, Duration timeout) throws IOException {
        if (!Files.exists(socket)) throw new IOException("no such socket (is the VM running?)");
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                ch.configureBlocking(false);
                boolean done = ch.connect(UnixDomainSocketAddress.of(socket));
                while (!done) {
                    if (System.nanoTime() > deadline) throw new Busy("connect did not complete within " + seconds(timeout));
                    sleep(POLL);
                    done = ch.finishConnect();
                }
                ch.configureBlocking(true);
                return ch;
            } catch (SocketException e) {
                ch.close();
                String m = String.valueOf(e.getMessage());
                if (!m.contains("temporarily unavailable")) throw e;
                if (System.nanoTime() > deadline) {
                    throw new Busy("its listen queue is full (no connection accepted within " + seconds(timeout)
                            + "): QEMU serves one QMP client at a time, another client holds it and others wait");
                }
                sleep(POLL);
            } catch (IOException | RuntimeException e) {
                ch.close();
                throw e;
            }
        }
    }

    private static void sleep(Duration d) throws IOException {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while connecting");
        }
    }

    static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }
}
