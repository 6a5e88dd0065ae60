package io.chirp.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import io.chirp.core.ChirpException;
import io.chirp.evidence.EvidenceManifest;
import io.chirp.evidence.EvidenceWriter;
import io.chirp.evidence.store.EvidenceStore;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.KeyPair;
import java.time.Duration;
import java.util.BitSet;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The server's side of the command topic: signs a command with the server's key and puts it on the target
 * sensor's command topic, follows the sensor's replies (correlated by the command's id) and receives the artifact's
 * chunks from the sensor's transfer topic into a file in the job's folder. The artifact is accepted only when every
 * chunk arrived from the sensor the command went to and the whole file's SHA-256 equals both the sensor's reply
 * and its manifest; it then lies in the job's folder with that manifest beside it, for the evidence store to take
 * in (which hashes it once more).
 */
public final class CommandChannel implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CommandChannel.class);
    /** Largest artifact taken in (a guest's RAM): bounds what a hostile sensor can make the server write. */
    static final long MAX_ARTIFACT = 1L << 40;

    /** Told of a remote job's progress. */
    @FunctionalInterface
    public interface Progress {
        void update(long done, long total);
    }

    /** A command in flight: its chunks received so far and the sensor's last reply. */
    private static final class Pending {
        final FleetCommand command;
        final Path partial;
        final Progress progress;
        final BitSet chunks = new BitSet();
        FileChannel out;
        long total = -1;
        String state = "sent", error, sha256;
        JsonNode manifest;

        Pending(FleetCommand command, Path partial, Progress progress) {
            this.command = command;
            this.partial = partial;
            this.progress = progress;
        }

        boolean complete() { return total >= 0 && chunks.cardinality() == (int) ((total + Transfer.CHUNK - 1) / Transfer.CHUNK); }
    }

    private final FleetTopics topics;
    private final KeyPair key;
    private final KafkaProducer<String, String> producer;
    private final Map<String, Pending> pending = new ConcurrentHashMap<>();
    private final Thread thread;
    private volatile boolean stopping;
    private volatile KafkaConsumer<String, byte[]> consumer;

    private CommandChannel(FleetTopics topics, String group, KeyPair key) {
        this.topics = topics;
        this.key = key;
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
        this.thread = Thread.ofPlatform().daemon().name("chirp-fleet-transfers").start(() -> receive(group + "-transfers"));
    }

    /** Starts the channel: commands signed with {@code key}, transfers consumed in group {@code group}-transfers. */
    public static CommandChannel start(FleetTopics topics, String group, KeyPair key) { return new CommandChannel(topics, group, key); }

    /**
     * Sends {@code command} and waits until its artifact is in {@code file}, whole and verified, with its manifest
     * beside it.
     *
     * @param cancelled polled while waiting; the wait ends (INTERRUPTED) once it says so
     * @param max       how long to wait for the sensor
     * @return the artifact's SHA-256
     */
    public String run(FleetCommand command, Path file, Progress progress, BooleanSupplier cancelled, Duration max) {
        Path partial = file.resolveSibling(file.getFileName() + ".partial");
        Pending p = new Pending(command, partial, progress);
        pending.put(command.id(), p);
        try {
            producer.send(new ProducerRecord<>(topics.commands(command.sensor()), command.id(), command.sign(key.getPrivate())))
                    .get(30, TimeUnit.SECONDS);
            long end = System.nanoTime() + max.toNanos();
            while (true) {
                synchronized (p) {
                    if (p.error != null) throw ChirpException.unavailable("sensor " + command.sensor() + ": " + p.error);
                    if ("done".equals(p.state) && p.complete()) break;
                    if (cancelled.getAsBoolean()) throw new ChirpException(ChirpException.Kind.INTERRUPTED, "cancelled");
                    if (System.nanoTime() > end) {
                        throw ChirpException.unavailable("sensor " + command.sensor() + " did not deliver within " + max + " (last: "
                                + p.state + ", " + p.chunks.cardinality() + " chunks)");
                    }
                    p.wait(250);
                }
            }
            return accept(p, file);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ChirpException(ChirpException.Kind.INTERRUPTED, "interrupted", e);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw ChirpException.unavailable("cannot send the command to sensor " + command.sensor() + ": " + e);
        } finally {
            pending.remove(command.id());
            synchronized (p) {
                closeQuietly(p);
            }
            try {
                Files.deleteIfExists(partial);
            } catch (IOException e) {
                log.warn("cannot delete {}: {}", partial, e.toString());
            }
        }
    }

    /** Checks the received file against the sensor's reply and manifest, and puts both in place. */
    private String accept(Pending p, Path file) throws InterruptedException {
        synchronized (p) {
            try {
                if (p.out == null) p.out = FileChannel.open(p.partial, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                p.out.force(true);
                closeQuietly(p);
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
            Files.move(p.partial, file, StandardCopyOption.ATOMIC_MOVE);
            EvidenceWriter.fsyncDirectory(file.getParent());
        } catch (IOException e) {
            throw ChirpException.io("cannot put the artifact in place: " + e.getMessage(), e);
        }
        return actual;
    }

    /** Takes a sensor's reply (a {@link FleetRecord.Kind#JOB} record from its events topic). */
    public void reply(FleetRecord r) {
        JsonNode b = r.body();
        Pending p = pending.get(b.path("command").asText(""));
        if (p == null) return; // a reply to a command of an earlier run, or of another server in the group
        if (!r.sensor().equals(p.command.sensor())) {
            log.warn("sensor {} replied to command {} sent to {}: ignored", r.sensor(), p.command.id(), p.command.sensor());
            return;
        }
        synchronized (p) {
            String state = b.path("state").asText("");
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
            long done = b.path("bytes").asLong(0), total = b.path("total").asLong(0);
            if (!"done".equals(state)) report(p, Math.max(0, done), Math.max(0, total));
            p.notifyAll();
        }
    }

    private static void report(Pending p, long done, long total) {
        try {
            p.progress.update(done, total);
        } catch (RuntimeException e) {
            log.debug("progress of command {}: {}", p.command.id(), e.toString()); // a cancelled job's; its wait ends it
        }
    }

    private void receive(String group) {
        while (!stopping) {
            Properties p = topics.client();
            p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
            p.put(ConsumerConfig.CLIENT_ID_CONFIG, "chirp-serve-transfers");
            p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, true);
            p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest"); // only transfers of commands this run sent
            p.put(ConsumerConfig.METADATA_MAX_AGE_CONFIG, 3_000);
            p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 16);
            p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 4 * Transfer.CHUNK);
            p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
            p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
            try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p)) {
                consumer = c;
                c.subscribe(topics.allTransfers());
                while (!stopping) {
                    for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(300))) chunk(r);
                }
            } catch (WakeupException e) {
                if (!stopping) log.warn("transfer consumer woken unexpectedly; reconnecting");
            } catch (RuntimeException e) {
                if (stopping) return;
                log.warn("transfer consumer failed, reconnecting: {}", e.toString());
                try {
                    Thread.sleep(1_000);
                } catch (InterruptedException ie) {
                    return;
                }
            } finally {
                consumer = null;
            }
        }
    }

    /** Writes one chunk at its offset, after checking it belongs to a command in flight to the topic's sensor. */
    private void chunk(ConsumerRecord<String, byte[]> r) {
        Pending p = r.key() == null ? null : pending.get(r.key());
        if (p == null) return;
        String from = topics.sensorOf(r.topic());
        if (!p.command.sensor().equals(from)) {
            log.warn("a chunk for command {} from sensor {}, not {}: ignored", p.command.id(), from, p.command.sensor());
            return;
        }
        long offset = header(r, Transfer.OFFSET), total = header(r, Transfer.TOTAL);
        byte[] data = r.value() == null ? new byte[0] : r.value();
        synchronized (p) {
            if (p.error != null) return;
            if (total < 0 || total > MAX_ARTIFACT || (p.total >= 0 && p.total != total) || offset < 0 || offset % Transfer.CHUNK != 0
                    || data.length != Math.min(Transfer.CHUNK, total - offset) && !(total == 0 && data.length == 0)) {
                p.error = "a malformed chunk at offset " + offset + " of " + total;
                p.notifyAll();
                return;
            }
            try {
                if (p.out == null) p.out = FileChannel.open(p.partial, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                ByteBuffer b = ByteBuffer.wrap(data);
                long at = offset;
                while (b.hasRemaining()) at += p.out.write(b, at);
                p.total = total;
                if (total > 0) p.chunks.set((int) (offset / Transfer.CHUNK));
            } catch (IOException e) {
                p.error = "cannot write " + p.partial + ": " + e.getMessage();
            }
            p.notifyAll();
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

    private static void closeQuietly(Pending p) {
        if (p.out == null) return;
        try {
            p.out.close();
        } catch (IOException e) {
            log.debug("closing {}: {}", p.partial, e.toString());
        }
        p.out = null;
    }

    @Override public void close() {
        stopping = true;
        KafkaConsumer<String, byte[]> c = consumer;
        if (c != null) c.wakeup();
        try {
            thread.join(Duration.ofSeconds(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(Duration.ofSeconds(2));
    }
}
