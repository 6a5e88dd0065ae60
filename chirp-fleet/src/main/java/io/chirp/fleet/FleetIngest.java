package io.chirp.fleet;

import io.chirp.core.ChirpException;
import io.chirp.events.OcsfEvent;
import io.chirp.events.store.EventStore;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Consumes the fleet's topics into the platform: events and alerts into the store (each id once,
 * {@link EventStore#insertNew}), heartbeats and VM states into the {@link FleetView}. Offsets are committed only
 * after the store's transaction, so a server killed at any point re-reads what it had not stored and stores only
 * what it had not (at-least-once delivery plus de-duplication: exactly once in the store). One consumer thread
 * keeps each VM's order (one VM, one partition); more servers in the same group share the partitions.
 */
public final class FleetIngest implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FleetIngest.class);

    /** Told of what was new in the store (for the live stream and the alert list), on the ingest thread. */
    public interface Listener {
        void stored(FleetRecord record, OcsfEvent event);

        /** A custody record from a sensor's host. */
        default void custody(FleetRecord record) {}

        /** A sensor's reply to a command: progress or outcome of the job it runs. */
        default void job(FleetRecord record) {}
    }

    private final FleetTopics topics;
    private final String group;
    private final EventStore store;
    private final FleetView view;
    private final Listener listener;
    private final ConsumerLoop<String> loop;
    private final Map<String, long[]> lastSeq = new HashMap<>();
    private final AtomicLong stored = new AtomicLong(), duplicates = new AtomicLong(), gaps = new AtomicLong(),
            rejected = new AtomicLong();

    private final ImportMarks marks;

    private FleetIngest(FleetTopics topics, String group, EventStore store, FleetView view, Listener listener, Path marks) {
        this.marks = marks == null ? null : ImportMarks.open(marks);
        this.topics = topics;
        this.group = group;
        this.store = store;
        this.view = view;
        this.listener = listener;
        // subscribed by pattern: new sensors' topics are found within the metadata age
        this.loop = ConsumerLoop.start("chirp-fleet-ingest", consumerConfig(), c -> c.subscribe(topics.all()), Duration.ofMillis(300),
                this::take);
    }

    /** Starts consuming {@code topics} as a member of consumer group {@code group}. */
    public static FleetIngest start(FleetTopics topics, String group, EventStore store, FleetView view, Listener listener) {
        return new FleetIngest(topics, group, store, view, listener, null);
    }

    /**
     * Starts as {@link #start(FleetTopics, String, EventStore, FleetView, Listener)}, keeping in {@code marks} how
     * far custody records were handed on, so a server restarted on the same folder does not hand one on twice.
     */
    public static FleetIngest start(FleetTopics topics, String group, EventStore store, FleetView view, Listener listener, Path marks) {
        return new FleetIngest(topics, group, store, view, listener, marks);
    }

    private Properties consumerConfig() {
        Properties p = ConsumerLoop.config(topics, group, "chirp-serve", "earliest", 1_000, StringDeserializer.class);
        p.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 16 << 20);
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, FleetRecord.MAX_BYTES * 2);
        return p;
    }

    private void take(ConsumerRecords<String, String> batch) {
        List<FleetRecord> toStore = new ArrayList<>();
        List<OcsfEvent> events = new ArrayList<>();
        for (ConsumerRecord<String, String> cr : batch) {
            FleetRecord r;
            try {
                r = FleetRecord.decode(cr.value());
                if (!r.key().equals(cr.key())) throw ChirpException.corrupt("key " + cr.key() + " does not match the record's");
                if (!r.sensor().equals(topics.sensorOf(cr.topic()))) {
                    // the brokers let each sensor's user write only its own topics: a record naming another sensor is forged
                    throw ChirpException.corrupt("a record of sensor " + r.sensor() + " in topic " + cr.topic());
                }
            } catch (ChirpException e) {
                rejected.incrementAndGet();
                log.warn("rejected a fleet record at {}-{}@{}: {}", cr.topic(), cr.partition(), cr.offset(), e.getMessage());
                continue;
            }
            boolean heartbeatTopic = cr.topic().startsWith(topics.prefix() + ".heartbeats.");
            if (heartbeatTopic != (r.kind() == FleetRecord.Kind.HEARTBEAT)) {
                rejected.incrementAndGet();
                log.warn("rejected a {} record in {}", r.kind(), cr.topic());
                continue;
            }
            if (r.kind() == FleetRecord.Kind.HEARTBEAT) {
                view.heartbeat(r, java.time.Instant.ofEpochMilli(cr.timestamp()));
                continue;
            }
            if (!inOrder(r)) continue;
            switch (r.kind()) {
                case VM_STATE -> view.vmState(r);
                case CUSTODY -> {
                    if (marks == null || marks.take(r)) {
                        listener.custody(r);
                        if (marks != null) marks.save(); // before the commit: a batch read again skips it
                    }
                }
                case JOB -> listener.job(r);
                case EVENT, ALERT -> {
                    try {
                        OcsfEvent e = new OcsfEvent((com.fasterxml.jackson.databind.node.ObjectNode) r.body());
                        if (!r.id().equals(e.uid())) throw new IllegalArgumentException("record id is not the event's metadata.uid");
                        toStore.add(r);
                        events.add(e);
                    } catch (ClassCastException | IllegalArgumentException e) {
                        rejected.incrementAndGet();
                        log.warn("rejected an event from {}: {}", r.sensor(), e.getMessage());
                    }
                }
                case HEARTBEAT -> { }
            }
        }
        if (events.isEmpty()) return;
        List<OcsfEvent> fresh = store.insertNew(events);
        stored.addAndGet(fresh.size());
        duplicates.addAndGet(events.size() - fresh.size());
        java.util.Set<OcsfEvent> isNew = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        isNew.addAll(fresh);
        for (int i = 0; i < events.size(); i++) {
            if (!isNew.contains(events.get(i))) continue;
            try {
                listener.stored(toStore.get(i), events.get(i));
            } catch (RuntimeException e) {
                log.warn("fleet listener failed: {}", e.toString());
            }
        }
    }

    /**
     * Follows each key's (epoch, seq): an old pair is a redelivery (skipped here; the store would skip it anyway),
     * a jump within an epoch is a gap the sensor reported as dropped or lost, counted and logged.
     */
    private boolean inOrder(FleetRecord r) {
        long[] last = lastSeq.get(r.key());
        if (last != null && (r.epoch() < last[0] || (r.epoch() == last[0] && r.seq() <= last[1]))) {
            duplicates.incrementAndGet();
            return r.kind().stored(); // events still go to the store, which decides by id (a restarted server has no memory here)
        }
        if (last != null && r.epoch() == last[0] && r.seq() != last[1] + 1) {
            gaps.incrementAndGet();
            log.warn("{}: records {}..{} of epoch {} never arrived (see the sensor's spool report)", r.key(), last[1] + 1,
                    r.seq() - 1, r.epoch());
        }
        lastSeq.put(r.key(), new long[] {r.epoch(), r.seq()});
        return true;
    }

    /** {@return counters: stored, duplicates (skipped), gaps, rejected} */
    public Map<String, Long> counters() {
        return Map.of("fleet_stored", stored.get(), "fleet_duplicates", duplicates.get(), "fleet_gaps", gaps.get(),
                "fleet_rejected", rejected.get());
    }

    public FleetView view() { return view; }

    @Override public void close() { loop.close(); }
}
