package io.chirp.fleet;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Sends the spool to Kafka, oldest first, a window at a time, each window one Kafka transaction, and acknowledges a
 * window in the spool only once its transaction is committed ({@code acks=all}, idempotent, transactional producer
 * with the sensor's own transactional id). The server reads {@code read_committed}, so it sees a window whole or
 * not at all: when anything fails (a batch expired in a long broker outage, a broker lost, the sensor killed), the
 * transaction is aborted (by the next producer's {@code initTransactions}, which also fences an earlier instance of
 * the same sensor) and the window is sent again from the first unacknowledged record. No record of a VM can then
 * be seen after a later one of the same VM, however long the outage: with a plain idempotent producer an expired
 * batch was failed while the VM's later batches went through, and its re-send stored it after them. A commit that
 * reached the broker but whose answer was lost makes the window arrive twice, in order; the server keeps the
 * first. While the broker does not answer, the sensor says so once and keeps spooling on disk; when the spool is
 * drained it says so.
 */
public final class SpoolSender implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SpoolSender.class);
    /** Records sent before waiting for their acknowledgements: bounds what a sensor holds in memory. */
    static final int WINDOW = 500;
    /** After this long without an acknowledgement, the broker counts as unavailable. */
    static final Duration UNAVAILABLE_AFTER = Duration.ofSeconds(3);

    /** Whether records get through. */
    public enum State { CONNECTING, AVAILABLE, UNAVAILABLE }

    /** How long the producer retries a batch before failing it (and with it the window's transaction). */
    static final Duration DELIVERY_TIMEOUT = Duration.ofSeconds(30);
    /** A window's transaction left open longer than this (a sensor killed mid-window) is aborted by the broker. */
    static final Duration TRANSACTION_TIMEOUT = Duration.ofSeconds(60);

    /** How often a failing sender tries to set up its topics (a first start while the brokers were away). */
    static final Duration ENSURE_EVERY = Duration.ofSeconds(10);

    private final Spool spool;
    private final FleetTopics topics;
    private final String sensor;
    private long lastEnsure;
    private boolean topicsReady;
    private final Thread thread;
    private volatile boolean stopping;
    private volatile State state = State.CONNECTING;
    private volatile long sent;
    private volatile String problem;
    private long outageStartPending;
    private KafkaProducer<String, String> producer;
    private final Duration deliveryTimeout;

    private SpoolSender(Spool spool, FleetTopics topics, String sensor, Duration deliveryTimeout) {
        this.spool = spool;
        this.topics = topics;
        this.sensor = sensor;
        this.deliveryTimeout = deliveryTimeout;
        this.thread = Thread.ofPlatform().daemon().name("chirp-sensor-sender").start(this::run);
    }

    /** Starts sending {@code spool} to {@code sensor}'s topics, setting them up first if they are missing. */
    public static SpoolSender start(Spool spool, FleetTopics topics, String sensor) {
        return new SpoolSender(spool, topics, sensor, DELIVERY_TIMEOUT);
    }

    /** As {@link #start(Spool, FleetTopics, String)}, failing batches after {@code deliveryTimeout} (tests make outages outlast it). */
    static SpoolSender start(Spool spool, FleetTopics topics, String sensor, Duration deliveryTimeout) {
        return new SpoolSender(spool, topics, sensor, deliveryTimeout);
    }

    /** {@return the sensor's transactional id: a restarted sensor fences its earlier instance and aborts what it left open} */
    static String transactionalId(String sensor) { return "chirp-sensor-" + sensor; }

    /** {@return the producer settings: idempotent, acks=all, bounded memory, failures within seconds} */
    static Properties producerConfig(FleetTopics topics, String clientId) {
        Properties p = topics.client();
        p.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5); // the most idempotence keeps in order
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 16L << 20);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000);
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
        // Order no longer rests on this: a window whose batch expires is aborted as a whole (see the class comment)
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) DELIVERY_TIMEOUT.toMillis());
        p.put(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, 200);
        p.put(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 1_000);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        return p;
    }

    public State state() { return state; }

    /** {@return records acknowledged by the broker since the start} */
    public long sent() { return sent; }

    /** {@return why the broker is unavailable, or null} */
    public String problem() { return problem; }

    private void run() {
        while (!stopping) {
            List<Spool.Entry> window;
            try {
                window = spool.peek(WINDOW, 200);
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                log.warn("cannot read the spool: {}", e.toString());
                pause(Duration.ofSeconds(1));
                continue;
            }
            if (window.isEmpty()) continue;
            ensureTopics();
            if (deliver(window)) {
                spool.ack(window);
                sent += window.size();
                if (state != State.AVAILABLE) {
                    if (state == State.UNAVAILABLE) {
                        log.warn("Kafka at {} is reachable again; sending the spool ({} records waiting)", topics.bootstrap(),
                                spool.pendingRecords());
                    }
                    state = State.AVAILABLE;
                    problem = null;
                }
                if (outageStartPending > 0 && spool.pendingRecords() == 0) {
                    log.warn("spool drained: every record kept during the outage was sent");
                    outageStartPending = 0;
                }
            } else {
                closeProducer(); // a fresh producer: the failed one may hold records it will never deliver
                pause(Duration.ofMillis(500));
            }
        }
    }

    /** Sets up the sensor's topics until that succeeds once, at most every {@link #ENSURE_EVERY}. */
    private void ensureTopics() {
        if (topicsReady || System.nanoTime() - lastEnsure < ENSURE_EVERY.toNanos() && lastEnsure != 0) return;
        lastEnsure = System.nanoTime();
        try {
            topics.ensure(sensor, 10_000);
            topicsReady = true;
        } catch (RuntimeException e) {
            log.debug("topics of {} not set up yet: {}", sensor, e.toString()); // the send's failure says what matters
        }
    }

    /** {@return true once the broker acknowledged every record of the window} */
    private boolean deliver(List<Spool.Entry> window) {
        try {
            if (producer == null) {
                Properties p = producerConfig(topics, "chirp-sensor");
                p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) deliveryTimeout.toMillis());
                p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId(sensor));
                p.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, (int) TRANSACTION_TIMEOUT.toMillis());
                producer = new KafkaProducer<>(p);
                producer.initTransactions(); // aborts what this sensor left open before (a failed window, a kill)
            }
            producer.beginTransaction();
            List<Future<RecordMetadata>> acks = new ArrayList<>(window.size());
            for (Spool.Entry e : window) {
                FleetRecord r = e.record();
                acks.add(producer.send(new ProducerRecord<>(topics.events(r.sensor()), r.key(), r.encode())));
            }
            long waitedSince = System.nanoTime();
            for (Future<RecordMetadata> f : acks) {
                while (true) {
                    try {
                        f.get(500, TimeUnit.MILLISECONDS);
                        break;
                    } catch (TimeoutException t) {
                        if (stopping) return false;
                        if (System.nanoTime() - waitedSince > UNAVAILABLE_AFTER.toNanos()) unavailable("no acknowledgement");
                    }
                }
            }
            producer.commitTransaction(); // the window becomes visible to read_committed consumers, whole
            return true;
        } catch (ExecutionException e) {
            unavailable(String.valueOf(e.getCause()));
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopping = true;
            return false;
        } catch (RuntimeException e) {
            unavailable(e.toString());
            return false;
        }
    }

    private void unavailable(String why) {
        if (state != State.UNAVAILABLE) {
            log.warn("Kafka at {} unavailable ({}): spooling on disk ({} records waiting, at most {} bytes)",
                    topics.bootstrap(), why, spool.pendingRecords(), spool.maxBytes());
            outageStartPending = Math.max(1, spool.pendingRecords());
        }
        state = State.UNAVAILABLE;
        problem = why;
    }

    private void closeProducer() {
        if (producer == null) return;
        try {
            producer.close(Duration.ZERO);
        } catch (RuntimeException e) {
            log.debug("closing a failed producer: {}", e.toString());
        }
        producer = null;
    }

    private static void pause(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Sends what it can for up to {@code grace}, then stops; unsent records stay in the spool for the next start. */
    public void close(Duration grace) {
        long end = System.nanoTime() + grace.toNanos();
        while (spool.pendingRecords() > 0 && state != State.UNAVAILABLE && System.nanoTime() < end) pause(Duration.ofMillis(50));
        stopping = true;
        try {
            thread.join(Duration.ofSeconds(20));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeProducer();
    }

    @Override public void close() { close(Duration.ofSeconds(5)); }
}
