package io.chirp.fleet;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The fleet's one resilient Kafka consumer loop, on a thread of its own: poll, hand the batch to the
 * {@link Handler} (which does its work, e.g. a store transaction), and only then commit the batch's offsets. When
 * the handler or the brokers fail (a store error, a commit that timed out during a broker outage, a lost group
 * membership), nothing after the last commit counts as done: the consumer is closed, the loop backs off (0.5 s
 * doubling to 10 s, back to 0.5 s after a batch went through) and a new consumer resumes from the committed
 * offsets. {@link #close()} wakes the consumer, ends a back-off at once and waits for the thread.
 *
 * <p>So every user of it gets at-least-once delivery; exactly once is the handler's part (the store takes each
 * event id once, a chunk written twice writes the same bytes, a command id is run once).
 *
 * <pre>
 *  ┌─▶ poll ─▶ handler.take(batch) ─▶ commitSync ─┐      failure: close, back off, new consumer
 *  └──────────────────────────────────────────────┘      (re-reads from the last committed offsets)
 * </pre>
 *
 * @param <V> the record values' type
 */
final class ConsumerLoop<V> implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ConsumerLoop.class);
    static final Duration FIRST_BACKOFF = Duration.ofMillis(500), MAX_BACKOFF = Duration.ofSeconds(10);

    /** Processes one batch; throwing means "not done": the batch is read again by the next consumer. */
    @FunctionalInterface
    interface Handler<V> {
        void take(ConsumerRecords<String, V> batch) throws Exception;
    }

    private final String name;
    private final Properties config;
    private final Consumer<KafkaConsumer<String, V>> subscribe;
    private final Handler<V> handler;
    private final Duration poll;
    private final Thread thread;
    private final CountDownLatch stop = new CountDownLatch(1);
    private final AtomicLong batches = new AtomicLong(), failures = new AtomicLong();
    private volatile KafkaConsumer<String, V> consumer;

    private ConsumerLoop(String name, Properties config, Consumer<KafkaConsumer<String, V>> subscribe, Duration poll,
                         Handler<V> handler) {
        this.name = name;
        this.config = config;
        this.subscribe = subscribe;
        this.handler = handler;
        this.poll = poll;
        this.thread = Thread.ofPlatform().daemon().name(name).start(this::run);
    }

    /**
     * {@return the client settings every loop shares, on top of {@code topics.client()}}: group {@code group}, client
     * id {@code clientId}, offsets committed by the loop only, transactions' records only once committed
     * ({@code read_committed}: a sensor's aborted spool window is never seen), keys as strings.
     */
    static Properties config(FleetTopics topics, String group, String clientId, String reset, int maxPollRecords,
                             Class<?> valueDeserializer) {
        Properties p = topics.client();
        p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, reset);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.METADATA_MAX_AGE_CONFIG, 3_000); // a new sensor's topics are subscribed within seconds
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, maxPollRecords);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, valueDeserializer.getName());
        return p;
    }

    /**
     * Starts the loop on a thread named {@code name}.
     *
     * @param config    the consumer's settings ({@link #config}); auto-commit is forced off
     * @param subscribe subscribes a new consumer (a pattern or a list of topics)
     * @param poll      how long one poll waits for records
     */
    static <V> ConsumerLoop<V> start(String name, Properties config, Consumer<KafkaConsumer<String, V>> subscribe, Duration poll,
                                     Handler<V> handler) {
        Properties p = new Properties();
        p.putAll(config);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        return new ConsumerLoop<>(name, p, subscribe, poll, handler);
    }

    /** {@return batches processed and committed} */
    long batches() { return batches.get(); }

    /** {@return times the loop failed and resumed from the committed offsets} */
    long failures() { return failures.get(); }

    /** {@return the loop's thread's name} */
    String threadName() { return thread.getName(); }

    private boolean stopping() { return stop.getCount() == 0; }

    private void run() {
        Duration backoff = FIRST_BACKOFF;
        while (!stopping()) {
            try (KafkaConsumer<String, V> c = new KafkaConsumer<>(config)) {
                consumer = c;
                if (stopping()) return; // close() came before the consumer could be woken
                subscribe.accept(c);
                while (!stopping()) {
                    ConsumerRecords<String, V> batch = c.poll(poll);
                    if (batch.isEmpty()) continue;
                    handler.take(batch);
                    c.commitSync(Duration.ofSeconds(30));
                    batches.incrementAndGet();
                    backoff = FIRST_BACKOFF;
                }
            } catch (WakeupException e) {
                if (!stopping()) log.warn("{}: consumer woken unexpectedly; reconnecting", name);
            } catch (Exception e) {
                if (stopping()) return;
                failures.incrementAndGet();
                log.warn("{} failed, resuming from the last committed offsets in {} ms: {}", name, backoff.toMillis(), e.toString());
                try {
                    if (stop.await(backoff.toMillis(), TimeUnit.MILLISECONDS)) return;
                } catch (InterruptedException ie) {
                    return;
                }
                backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
            } finally {
                consumer = null;
            }
        }
    }

    /** Stops the loop: the batch being processed is finished (or abandoned uncommitted), then the consumer closes. */
    @Override public void close() {
        stop.countDown();
        KafkaConsumer<String, V> c = consumer;
        if (c != null) c.wakeup();
        try {
            if (!thread.join(Duration.ofSeconds(20))) log.warn("{} did not stop within 20 s", name);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
