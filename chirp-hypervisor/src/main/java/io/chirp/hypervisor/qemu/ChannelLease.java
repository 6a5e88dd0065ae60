package io.chirp.hypervisor.qemu;

import io.chirp.core.OwnerOnly;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chirp.core.ChirpException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Who holds one of a VM's single-client channels (its QMP socket or its gdbstub): a record a CHIRP process writes
 * under {@code $CHIRP_HOME/sessions} while it is connected, so that another CHIRP process that finds the channel
 * busy can say who holds it ("QMP of VM lab is held by `chirp monitor`, pid 4242") instead of hanging.
 *
 * <p>Why a record and not the kernel's word: the peer of QEMU's end of a unix socket is only known through
 * {@code sock_diag} netlink (UNIX_DIAG_PEER), which needs a netlink client over FFM or the {@code ss} tool, and
 * {@code /proc/PID/fd} of every process to map the peer inode to a pid (root or the same user only); even then it
 * names a pid, not what that CHIRP process is doing, and it says nothing about a gdbstub held by the tracer.
 * A record costs one small file per held channel, says which command holds it, and lets the holder publish what
 * others cannot ask for without the channel (QEMU's memory map). Its weakness, a holder that dies without
 * cleaning up, is handled on read: a record whose pid no longer runs, or runs with another start time (a reused
 * pid), is stale, removed and ignored. A holder that is not CHIRP writes no record: it is reported as "another
 * client".
 *
 * @param channel    "qmp" or "gdb"
 * @param endpoint   the QMP socket path or the gdbstub's host:port
 * @param pid        the holding process
 * @param startedAt  that process's start time (with the pid, it identifies the process across pid reuse)
 * @param command    what the holder runs, e.g. "chirp monitor"
 * @param purpose    why it holds the channel (e.g. "tracer"), or empty
 * @param since      when it connected
 * @param published  what the holder shares with others (key "mtree": QEMU's {@code info mtree -f})
 */
public record ChannelLease(String channel, String endpoint, long pid, long startedAt, String command, String purpose,
                           Instant since, Map<String, String> published) {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Start times from /proc are in clock ticks: allow for rounding between two reads of the same process. */
    private static final long START_SLACK_MILLIS = 1000;
    /** A published value larger than this is dropped: a record is read by every CHIRP process that finds QMP busy. */
    private static final int MAX_PUBLISHED = 1 << 20;

    public ChannelLease {
        published = Map.copyOf(published);
    }

    /** {@return e.g. "`chirp monitor`, pid 4242 (tracer, since 2026-12-01T21:40:00Z)"} */
    public String describe() {
        return "`" + command + "`, pid " + pid + " (" + (purpose.isEmpty() ? "" : purpose + ", ") + "since " + since + ")";
    }

    /** {@return whether this process holds it} */
    public boolean isOurs() { return pid == ProcessHandle.current().pid(); }

    /** {@return the folder of lease records: $CHIRP_HOME/sessions (CHIRP_HOME defaults to ~/.cache/chirp)} */
    public static Path folder() {
        String env = System.getenv("CHIRP_HOME");
        Path home = env != null && !env.isBlank() ? Path.of(env) : Path.of(System.getProperty("user.home"), ".cache", "chirp");
        return home.resolve("sessions");
    }

    /** {@return the live holder of a channel, if a CHIRP process holds it; stale records are removed} */
    public static Optional<ChannelLease> read(String channel, String endpoint) {
        Path f = file(channel, endpoint);
        if (!Files.isRegularFile(f)) return Optional.empty();
        ChannelLease l;
        try {
            JsonNode n = JSON.readTree(Files.readString(f, StandardCharsets.UTF_8));
            Map<String, String> pub = new LinkedHashMap<>();
            n.path("published").properties().forEach(e -> pub.put(e.getKey(), e.getValue().asText()));
            l = new ChannelLease(n.path("channel").asText(), n.path("endpoint").asText(), n.path("pid").asLong(),
                    n.path("started_at").asLong(), n.path("command").asText("?"), n.path("purpose").asText(""),
                    Instant.ofEpochMilli(n.path("since").asLong()), pub);
        } catch (IOException | RuntimeException e) {
            return Optional.empty(); // being rewritten, or not ours to read: no claim either way
        }
        if (!l.channel().equals(channel) || !l.endpoint().equals(endpoint)) return Optional.empty();
        if (!alive(l.pid(), l.startedAt())) {
            deleteIfStill(f, l);
            return Optional.empty();
        }
        return Optional.of(l);
    }

    /** Records that this process now holds a channel. Failing to write is not fatal: only diagnostics suffer. */
    static ChannelLease write(String channel, String endpoint, String purpose, Map<String, String> published) {
        ProcessHandle self = ProcessHandle.current();
        ChannelLease l = new ChannelLease(channel, endpoint, self.pid(), startMillis(self).orElse(0L), selfCommand(),
                purpose, Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS), published);
        sweep();
        l.store();
        HELD.put(channel + " " + endpoint, l);
        return l;
    }

    /** What this process holds, removed at exit: a CLI command ends with System.exit, not by closing everything. */
    private static final Map<String, ChannelLease> HELD = new java.util.concurrent.ConcurrentHashMap<>();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> HELD.values().forEach(ChannelLease::remove), "chirp-leases"));
    }

    /**
     * Removes the records of holders that died without cleaning up (killed, or their VM's folder is gone): such
     * records would otherwise pile up, one per VM socket ever used. Reading validates and deletes.
     */
    private static void sweep() {
        try (var files = Files.list(folder())) {
            for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".json")).limit(1000).toList()) {
                try {
                    JsonNode n = JSON.readTree(Files.readString(f, StandardCharsets.UTF_8));
                    read(n.path("channel").asText(), n.path("endpoint").asText());
                } catch (IOException | RuntimeException ignored) {
                    // unreadable now: left for its owner or a later sweep
                }
            }
        } catch (IOException ignored) {
            // no folder yet
        }
    }

    /** {@return a copy of this record with one more published value, written back} */
    ChannelLease publish(String key, String value) {
        if (value.length() > MAX_PUBLISHED) return this;
        Map<String, String> pub = new LinkedHashMap<>(published);
        pub.put(key, value);
        ChannelLease l = new ChannelLease(channel, endpoint, pid, startedAt, command, purpose, since, pub);
        l.store();
        HELD.replace(channel + " " + endpoint, this, l);
        return l;
    }

    /** Removes this record, if it is still ours (a newer holder's record is left alone). */
    void remove() {
        HELD.remove(channel + " " + endpoint, this);
        Path f = file(channel, endpoint);
        Optional<ChannelLease> now = read(channel, endpoint);
        if (now.isPresent() && now.get().pid() == pid) delete(f);
    }

    private void store() {
        Path dir = folder();
        try {
            OwnerOnly.directories(dir);
            ObjectNode n = JSON.createObjectNode();
            n.put("channel", channel).put("endpoint", endpoint).put("pid", pid).put("started_at", startedAt)
                    .put("command", command).put("purpose", purpose).put("since", since.toEpochMilli());
            ObjectNode pub = n.putObject("published");
            published.forEach(pub::put);
            Path tmp = Files.createTempFile(dir, ".lease", ".tmp", OwnerOnly.FILE_ATTRIBUTE);
            Files.writeString(tmp, n.toString(), StandardCharsets.UTF_8);
            try {
                Files.move(tmp, file(channel, endpoint), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file(channel, endpoint), StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException | UnsupportedOperationException e) {
            org.slf4j.LoggerFactory.getLogger(ChannelLease.class)
                    .debug("cannot record that this process holds {} {}: {}", channel, endpoint, e.toString());
        }
    }

    static Path file(String channel, String endpoint) {
        String tail = endpoint.replaceAll(".*/", "").replaceAll("[^A-Za-z0-9._-]", "_");
        if (tail.length() > 40) tail = tail.substring(0, 40);
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(endpoint.getBytes(StandardCharsets.UTF_8));
            return folder().resolve(channel + "-" + tail + "-" + HexFormat.of().formatHex(h, 0, 6) + ".json");
        } catch (NoSuchAlgorithmException e) {
            throw new ChirpException(ChirpException.Kind.INTERNAL, "no SHA-256 in this JVM", e);
        }
    }

    /** Deletes a stale record unless a new holder replaced it since it was read. */
    private static void deleteIfStill(Path f, ChannelLease stale) {
        try {
            JsonNode n = JSON.readTree(Files.readString(f, StandardCharsets.UTF_8));
            if (n.path("pid").asLong() == stale.pid() && n.path("started_at").asLong() == stale.startedAt()) delete(f);
        } catch (IOException | RuntimeException ignored) {
            // gone or being replaced: nothing stale to remove
        }
    }

    private static void delete(Path f) {
        try {
            Files.deleteIfExists(f);
        } catch (IOException ignored) {
            // another reader removed it first, or it is not ours to remove: readers ignore it all the same
        }
    }

    /** {@return whether pid runs and is the process that started at startedAt (not a later one given the same pid)} */
    static boolean alive(long pid, long startedAt) {
        Optional<ProcessHandle> h = ProcessHandle.of(pid);
        if (h.isEmpty() || !h.get().isAlive()) return false;
        Optional<Long> start = startMillis(h.get());
        return start.isEmpty() || startedAt == 0 || Math.abs(start.get() - startedAt) <= START_SLACK_MILLIS;
    }

    private static Optional<Long> startMillis(ProcessHandle h) {
        return h.info().startInstant().map(Instant::toEpochMilli);
    }

    /**
     * {@return what this process is, for others' messages: the {@code chirp.holder} property if set (a server or a
     * test names itself), else "chirp" and its subcommand words, else the JVM's main class}
     */
    static String selfCommand() {
        String set = System.getProperty("chirp.holder");
        if (set != null && !set.isBlank()) return set.strip();
        String cmd = System.getProperty("sun.java.command", "");
        String[] words = cmd.strip().split("\\s+");
        if (words.length == 0 || words[0].isEmpty()) return "java pid " + ProcessHandle.current().pid();
        if (words[0].equals("io.chirp.cli.Main")) {
            StringBuilder sb = new StringBuilder("chirp");
            for (int i = 1; i < words.length && i <= 2 && !words[i].startsWith("-"); i++) sb.append(' ').append(words[i]);
            return sb.toString();
        }
        String main = words[0].replaceAll(".*[./]", "");
        return "java " + main;
    }
}
