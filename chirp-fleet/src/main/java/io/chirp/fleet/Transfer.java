package io.chirp.fleet;

import io.chirp.core.ChirpException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

/**
 * Sends one artifact from a sensor to the server as chunks on the sensor's transfer topic: each chunk one record of
 * at most {@link #CHUNK} bytes, keyed by the command's id, with its offset and the file's size in headers. At most
 * {@link #WINDOW} chunks are unacknowledged at once (memory stays bounded whatever the image's size); when the
 * brokers fail, the transfer resumes with a fresh producer from the first chunk not acknowledged, until
 * {@code deadline}. The server writes each chunk at its offset (a chunk sent twice writes the same bytes twice) and
 * checks the SHA-256 of the whole file against the sensor's reply, so integrity is end to end, not per hop.
 * Authentication is Kafka's: only the sensor's user may write its transfer topic, and the server takes a transfer
 * only for a command it sent to that sensor.
 */
public final class Transfer {
    private static final Logger log = LoggerFactory.getLogger(Transfer.class);
    /** Bytes per chunk: well under a broker's default record limit of 1 MiB. */
    public static final int CHUNK = 512 * 1024;
    /** Chunks in flight at once. */
    static final int WINDOW = 8;
    /** Header names. */
    static final String OFFSET = "chirp-offset", TOTAL = "chirp-total";

    private Transfer() {}

    /** Told of the bytes acknowledged so far. */
    @FunctionalInterface
    public interface Progress {
        void sent(long bytes, long total);
    }

    /**
     * Sends {@code file} for command {@code commandId} on {@code sensor}'s transfer topic; returns once the brokers
     * acknowledged every chunk.
     *
     * @throws ChirpException UNAVAILABLE if the brokers did not take it all before {@code deadline}, INTERRUPTED if
     *                        {@code stop} said so
     */
    public static void send(FleetTopics topics, String sensor, String commandId, Path file, Duration deadline, Progress progress,
                            BooleanSupplier stop) {
        send(topics, sensor, commandId, file, deadline, 0, progress, stop);
    }

    /**
     * Sends as {@link #send(FleetTopics, String, String, Path, Duration, Progress, BooleanSupplier)} does, at most
     * {@code bytesPerSecond} (0: as fast as the brokers take it), so a RAM image does not fill the host's uplink.
     */
    public static void send(FleetTopics topics, String sensor, String commandId, Path file, Duration deadline, long bytesPerSecond,
                            Progress progress, BooleanSupplier stop) {
        if (bytesPerSecond < 0) throw ChirpException.usage("a transfer rate cannot be negative");
        long end = System.nanoTime() + deadline.toNanos();
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
            long total = in.size();
            long[] acked = {0}; // every chunk before this offset is acknowledged
            int failures = 0;
            while (acked[0] < total || total == 0) {
                if (stop.getAsBoolean()) throw new ChirpException(ChirpException.Kind.INTERRUPTED, "transfer stopped");
                if (System.nanoTime() > end) {
                    throw ChirpException.unavailable("the brokers did not take the artifact within " + deadline + " (" + acked[0] + " of "
                            + total + " bytes)");
                }
                try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(config(topics))) {
                    sendFrom(p, in, topics.transfers(sensor), commandId, acked, total, bytesPerSecond, progress, stop);
                    if (total == 0) {
                        p.send(record(topics.transfers(sensor), commandId, 0, 0, new byte[0])).get(30, TimeUnit.SECONDS);
                        return;
                    }
                } catch (ExecutionException | TimeoutException | org.apache.kafka.common.KafkaException e) {
                    failures++;
                    log.warn("transfer of {} for command {} interrupted at {} of {} bytes ({}); resuming from there", file.getFileName(),
                            commandId, acked[0], total, e instanceof ExecutionException ? e.getCause() : e);
                    Thread.sleep(Math.min(5_000, 500L * failures));
                }
            }
        } catch (IOException e) {
            throw ChirpException.io("cannot read " + file + " to send it: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ChirpException(ChirpException.Kind.INTERRUPTED, "transfer interrupted", e);
        }
    }

    /** Sends chunks from {@code acked[0]} on, a window at a time, moving {@code acked[0]} past each acknowledged one. */
    private static void sendFrom(KafkaProducer<String, byte[]> p, FileChannel in, String topic, String id, long[] acked, long total,
                                 long rate, Progress progress, BooleanSupplier stop) throws IOException, InterruptedException,
            ExecutionException, TimeoutException {
        Deque<long[]> offsets = new ArrayDeque<>();
        Deque<Future<RecordMetadata>> acks = new ArrayDeque<>();
        long next = acked[0], first = next, started = System.nanoTime();
        while (acked[0] < total) {
            while (next < total && acks.size() < WINDOW) {
                if (rate > 0) { // paced: the chunk at NEXT goes no earlier than (NEXT - FIRST) / rate after the start
                    long due = started + (long) ((next - first) * 1e9 / rate);
                    for (long now; (now = System.nanoTime()) < due; ) {
                        if (stop.getAsBoolean()) return;
                        Thread.sleep(Math.min(200, Math.max(1, (due - now) / 1_000_000)));
                    }
                    if (!acks.isEmpty() && acks.peekFirst().isDone()) break; // report acknowledged chunks while paced
                }
                int n = (int) Math.min(CHUNK, total - next);
                ByteBuffer b = ByteBuffer.allocate(n);
                while (b.hasRemaining()) {
                    if (in.read(b, next + b.position()) < 0) throw new IOException("the file shrank while it was sent");
                }
                acks.add(p.send(record(topic, id, next, total, b.array())));
                offsets.add(new long[] {next, n});
                next += n;
            }
            if (stop.getAsBoolean()) return;
            acks.removeFirst().get(60, TimeUnit.SECONDS); // in order: idempotence keeps one partition's order
            long[] done = offsets.removeFirst();
            acked[0] = done[0] + done[1];
            progress.sent(acked[0], total);
        }
    }

    private static ProducerRecord<String, byte[]> record(String topic, String id, long offset, long total, byte[] data) {
        return new ProducerRecord<>(topic, null, id, data, List.of(
                new RecordHeader(OFFSET, Long.toString(offset).getBytes(StandardCharsets.US_ASCII)),
                new RecordHeader(TOTAL, Long.toString(total).getBytes(StandardCharsets.US_ASCII))));
    }

    private static Properties config(FleetTopics topics) {
        Properties p = topics.client();
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "chirp-sensor-transfer");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 2 * CHUNK);
        p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, (long) (WINDOW + 2) * CHUNK * 2);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 15_000);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 60_000);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, org.apache.kafka.common.serialization.StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return p;
    }
}
