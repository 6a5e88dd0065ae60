package io.chirp.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import io.chirp.core.ChirpException;
import io.chirp.core.OwnerOnly;
import io.chirp.evidence.EvidenceManifest;
import io.chirp.evidence.EvidenceWriter;
import io.chirp.evidence.store.EvidenceStore;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The server's side of the command topic: signs a command with the server's key and puts it on the target
 * sensor's command topic, follows the sensor's replies (correlated by the command's id) and receives the artifact's
 * chunks from the sensor's transfer topic into a file. The artifact is accepted only when every chunk arrived from
 * the sensor the command went to and the whole file's SHA-256 equals both the sensor's reply and its manifest; it
 * then lies in the job's folder with that manifest beside it, for the evidence store to take in (which hashes it
 * once more).
 *
 * <p>A command survives the server: each one in flight has a journal in the channel's folder
 * ({@link TransferJournal}: the command, the caller's job, the sensor's last state and which chunks are on disk)
 * beside the partial file its chunks are written into. The transfer consumer ({@link ConsumerLoop}) commits its
 * offsets only after the chunks of a batch are on disk and the journal says so, and a reply is journaled before
 * the ingest commits it; so a server killed at any point finds, at its next start, every command it had in flight
 * ({@link #unfinished()}), the chunks it had, and the rest still in the brokers (transfers are kept a day), and the
 * job ({@link #resume}) finishes where it stopped. A chunk read twice writes the same bytes at the same offset.
 */
public final class CommandChannel implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CommandChannel.class);
    /** Largest artifact taken in (a guest's RAM): bounds what a hostile sensor can make the server write. */
    static final long MAX_ARTIFACT = 1L << 40;
    /** After a command's expiry, how long a sensor that never took it is waited for (clock skew). */
    static final Duration EXPIRY_GRACE = Duration.ofMinutes(1);

    /** Told of a remote job's progress. */
    @FunctionalInterface
    public interface Progress {
        void update(long done, long total);
    }

    /**
     * A command an earlier run of this server left in flight, to be resumed as the job it was.
     *
     * @param command the command
     * @param job     what the caller of {@link #run} gave to be kept with it (its job's id, owner, parameters)
     * @param chunks  chunks already on disk
     */
    public record Unfinished(FleetCommand command, JsonNode job, int chunks) {}

    private final FleetTopics topics;
    private final KeyPair key;
    private final Path dir;
    private final KafkaProducer<String, String> producer;
    private final Map<String, TransferJournal> pending = new ConcurrentHashMap<>();
    private final List<Unfinished> unfinished;
    private final ConsumerLoop<byte[]> transfers;
    private volatile boolean closing;

    private CommandChannel(FleetTopics topics, String group, KeyPair key, Path dir) {
        this.topics = topics;
        this.key = key;
        this.dir = dir;
        OwnerOnly.directories(dir);
        // before the consumers start: a re-read chunk or reply of a command in flight finds it
        List<Unfinished> left = new ArrayList<>();
        for (TransferJournal j : TransferJournal.loadAll(dir)) {
            pending.put(j.command.id(), j);
            left.add(new Unfinished(j.command, j.job, j.chunks.cardinality()));
        }
        this.unfinished = List.copyOf(left);
        Properties p = topics.client();
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "chirp-serve-commands");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        this.producer = new KafkaProducer<>(p);
        // earliest: a group with no offsets yet (its first start) reads what is kept and skips other commands' chunks
        Properties c = ConsumerLoop.config(topics, group + "-transfers", "chirp-serve-transfers", "earliest", 16,
                ByteArrayDeserializer.class);
        c.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 4 * Transfer.CHUNK);
        this.transfers = ConsumerLoop.start("chirp-fleet-transfers", c, k -> k.subscribe(topics.allTransfers()), Duration.ofMillis(300),
                this::chunks);
    }

    /**
     * Starts the channel: commands signed with {@code key}, transfers consumed in group {@code group}-transfers,
     * commands in flight journaled in {@code dir} (and those an earlier run left there taken up again).
     */
    public static CommandChannel start(FleetTopics topics, String group, KeyPair key, Path dir) {
        return new CommandChannel(topics, group, key, dir);
    }

    /** {@return the commands an earlier run of the server left in flight, as found at this start} */
    public List<Unfinished> unfinished() { return unfinished; }

    /**
     * Sends {@code command} and waits until its artifact is in {@code file}, whole and verified, with its manifest
     * beside it. The command is journaled first, with {@code job}, so a restarted server can {@link #resume} it.
     *
     * @param cancelled polled while waiting; the wait ends (INTERRUPTED) once it says so
     * @param max       how long to wait for the sensor
     * @return the artifact's SHA-256
     */
    public String run(FleetCommand command, JsonNode job, Path file, Progress progress, BooleanSupplier cancelled, Duration max) {
        TransferJournal p = new TransferJournal(dir, command, job);
        p.progress = progress;
        synchronized (p) {
            p.save();
        }
        pending.put(command.id(), p);
        try {
            producer.send(new ProducerRecord<>(topics.commands(command.sensor()), command.id(), command.sign(key.getPrivate())))
                    .get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            forget(p);
            throw new ChirpException(ChirpException.Kind.INTERRUPTED, "interrupted", e);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            forget(p);
            throw ChirpException.unavailable("cannot send the command to sensor " + command.sensor() + ": " + e);
        }
        return await(p, file, cancelled, max);
    }

    /**
     * Waits, as {@link #run} does, for a command an earlier run of the server sent ({@link #unfinished()}): its
     * chunks and replies are read on from where that run had them.
     */
    public String resume(String commandId, Path file, Progress progress, BooleanSupplier cancelled, Duration max) {
        TransferJournal p = pending.get(commandId);
        if (p == null) throw ChirpException.notFound("no command " + commandId + " in flight");
        synchronized (p) {
            p.progress = progress;
            log.warn("resuming command {} on sensor {}: {} chunks on disk, sensor's last state {}", commandId, p.command.sensor(),
                    p.chunks.cardinality(), p.state);
        }
        return await(p, file, cancelled, max);
    }

    private String await(TransferJournal p, Path file, BooleanSupplier cancelled, Duration max) {
        boolean keep = false;
        try {
            long end = System.nanoTime() + max.toNanos();
            while (true) {
                synchronized (p) {
                    if (p.error != null) throw ChirpException.unavailable("sensor " + p.command.sensor() + ": " + p.error);
                    if ("done".equals(p.state) && p.complete()) break;
                    if (closing) {
                        keep = true; // the server is stopping: the command stays in flight for its next start
                        throw new ChirpException(ChirpException.Kind.INTERRUPTED, "the server is stopping; the job resumes at its next start");
                    }
                    if (cancelled.getAsBoolean()) throw new ChirpException(ChirpException.Kind.INTERRUPTED, "cancelled");
                    if ("sent".equals(p.state) && System.currentTimeMillis() > p.command.expires() + EXPIRY_GRACE.toMillis()) {
                        throw ChirpException.unavailable("sensor " + p.command.sensor() + " did not take command " + p.command.id()
                                + " before it expired");
                    }
                    if (System.nanoTime() > end) {
                        throw ChirpException.unavailable("sensor " + p.command.sensor() + " did not deliver within " + max + " (last: "
                                + p.state + ", " + p.chunks.cardinality() + " chunks)");
                    }
                    p.wait(250);
                }
            }
            return accept(p, file);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ChirpException(ChirpException.Kind.INTERRUPTED, "interrupted", e);
        } finally {
            if (keep) {
                synchronized (p) {
                    p.closeFile();
                }
            } else {
                forget(p);
            }
        }
    }

    /** Ends a command: no more chunks or replies are taken for it, its journal and partial file are gone. */
    private void forget(TransferJournal p) {
        pending.remove(p.command.id());
        synchronized (p) {
            p.delete();
        }
    }

    /** Checks the received file against the sensor's reply and manifest, and puts both in place. */
    private String accept(TransferJournal p, Path file) {
        synchronized (p) {
            try {
                p.openFile();
                p.out.force(true);
                p.closeFile();
            } catch (IOException e) {
                throw ChirpException.io("cannot sync " + p.partial + ": " + e.getMessage(), e);
            }
        }
        String actual = EvidenceStore.sha256(p.partial);
        if (!actual.equals(p.sha256)) {
            throw ChirpException.corrupt("the artifact from sensor " + p.command.sensor() + " hashes to " + actual + ", the sensor said "
                    + p.sha256);
        }
        EvidenceManifest m = EvidenceManifest.parse(p.manifest.toString(), "the manifest from sensor " + p.command.sensor());
        if (!actual.equals(m.sha256()) || m.size() != p.total) {
            throw ChirpException.corrupt("the sensor's manifest does not describe the artifact (SHA-256 " + m.sha256() + ", " + m.size() + " bytes)");
        }
        try {
            Files.writeString(EvidenceManifest.pathFor(file), m.toJson(), StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE, StandardOpenOption.SYNC);
            try {
                Files.move(p.partial, file, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) { // the job's folder on another file system than the server's
                Path tmp = file.resolveSibling(file.getFileName() + ".partial");
                Files.copy(p.partial, tmp);
                try (FileChannel f = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                    f.force(true);
                }
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
            }
            EvidenceWriter.fsyncDirectory(file.getParent());
        } catch (IOException e) {
            throw ChirpException.io("cannot put the artifact in place: " + e.getMessage(), e);
        }
        return actual;
    }

    /**
     * Takes a sensor's reply (a {@link FleetRecord.Kind#JOB} record from its events topic). A change of state is
     * journaled before this returns, so before the ingest commits the reply.
     */
    public void reply(FleetRecord r) {
        JsonNode b = r.body();
        TransferJournal p = pending.get(b.path("command").asText(""));
        if (p == null) return; // a reply to a command of an earlier run, or of another server in the group
        if (!r.sensor().equals(p.command.sensor())) {
            log.warn("sensor {} replied to command {} sent to {}: ignored", r.sensor(), p.command.id(), p.command.sensor());
            return;
        }
        synchronized (p) {
            String state = b.path("state").asText("");
            boolean changed = !state.equals(p.state);
            p.state = state;
            switch (state) {
                case "failed" -> p.error = b.path("error").asText("failed");
                case "done" -> {
                    long total = b.path("total").asLong(-1);
                    if (total < 0 || total > MAX_ARTIFACT || !b.path("sha256").isTextual() || !b.path("manifest").isObject()) {
                        p.error = "a malformed reply: " + r.id();
                    } else if (p.total >= 0 && p.total != total) {
                        p.error = "the reply's size " + total + " is not the transfer's " + p.total;
                    } else {
                        p.total = total;
                        p.sha256 = b.get("sha256").asText();
                        p.manifest = b.get("manifest");
                    }
                }
                default -> { }
            }
            if (changed || p.error != null) p.save();
            long done = b.path("bytes").asLong(0), total = b.path("total").asLong(0);
            if (!"done".equals(state)) report(p, Math.max(0, done), Math.max(0, total));
            p.notifyAll();
        }
    }

    private static void report(TransferJournal p, long done, long total) {
        try {
            p.progress.update(done, total);
        } catch (RuntimeException e) {
            log.debug("progress of command {}: {}", p.command.id(), e.toString()); // a cancelled job's; its wait ends it
        }
    }

    /** One batch from the transfer topics: chunks written, then each touched file synced and its journal saved. */
    private void chunks(ConsumerRecords<String, byte[]> batch) throws IOException {
        Set<TransferJournal> touched = Collections.newSetFromMap(new IdentityHashMap<>());
        for (ConsumerRecord<String, byte[]> r : batch) {
            TransferJournal p = chunk(r);
            if (p != null) touched.add(p);
        }
        for (TransferJournal p : touched) {
            synchronized (p) {
                if (p.out != null) p.out.force(false);
                p.save(); // only now may the loop commit these chunks' offsets
                p.notifyAll();
            }
        }
    }

    /** Writes one chunk at its offset, after checking it belongs to a command in flight to the topic's sensor. */
    private TransferJournal chunk(ConsumerRecord<String, byte[]> r) {
        TransferJournal p = r.key() == null ? null : pending.get(r.key());
        if (p == null) return null;
        String from = topics.sensorOf(r.topic());
        if (!p.command.sensor().equals(from)) {
            log.warn("a chunk for command {} from sensor {}, not {}: ignored", p.command.id(), from, p.command.sensor());
            return null;
        }
        long offset = header(r, Transfer.OFFSET), total = header(r, Transfer.TOTAL);
        byte[] data = r.value() == null ? new byte[0] : r.value();
        synchronized (p) {
            if (p.error != null || p.deleted) return null;
            if (total < 0 || total > MAX_ARTIFACT || (p.total >= 0 && p.total != total) || offset < 0 || offset % Transfer.CHUNK != 0
                    || data.length != Math.min(Transfer.CHUNK, total - offset) && !(total == 0 && data.length == 0)) {
                p.error = "a malformed chunk at offset " + offset + " of " + total;
                return p;
            }
            try {
                p.openFile();
                ByteBuffer b = ByteBuffer.wrap(data);
                long at = offset;
                while (b.hasRemaining()) at += p.out.write(b, at);
                p.total = total;
                if (total > 0) p.chunks.set((int) (offset / Transfer.CHUNK));
            } catch (IOException e) {
                p.error = "cannot write " + p.partial + ": " + e.getMessage();
            }
            return p;
        }
    }

    private static long header(ConsumerRecord<String, byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        if (h == null || h.value() == null || h.value().length > 20) return -1;
        try {
            return Long.parseLong(new String(h.value(), StandardCharsets.US_ASCII));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /**
     * Stops the channel. Commands still in flight keep their journals and partial files: the waits end
     * (INTERRUPTED) and the server's next start resumes them.
     */
    @Override public void close() {
        closing = true;
        for (TransferJournal p : pending.values()) {
            synchronized (p) {
                p.notifyAll();
            }
        }
        transfers.close();
        producer.close(Duration.ofSeconds(2));
    }
}
