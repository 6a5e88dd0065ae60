package io.chirp.fleet;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chirp.detect.Detector;
import io.chirp.events.OcsfEvent;
import io.chirp.monitor.EventPipeline;
import io.chirp.monitor.MonitorListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.serialization.StringDeserializer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * Sigma evaluated centrally: one member of a consumer group over every sensor's events topic, running the rules on
 * each event (the same {@link EventPipeline} a sensor runs) and handing the findings on, with the ids a sensor
 * would have given them ({@link Sensor#withFindingId}), so the alerts are the same wherever the rules run and a
 * re-evaluation after a restart is stored once. More members in the group share the partitions: detection grows
 * by adding instances. Offsets are committed after {@code findings} took a batch's findings.
 */
public final class FleetDetect implements AutoCloseable {
    private final FleetTopics topics;
    private final String group;
    private final Detector detector;
    private final Consumer<List<Found>> findings;
    private OcsfEvent current;

    /** A finding and the event that raised it. */
    public record Found(OcsfEvent finding, OcsfEvent trigger) {}
    private final ConsumerLoop<String> loop;
    private final AtomicLong events = new AtomicLong(), alerts = new AtomicLong();

    private FleetDetect(FleetTopics topics, String group, Detector detector, Consumer<List<Found>> findings, String name) {
        this.topics = topics;
        this.group = group;
        this.detector = detector;
        this.findings = findings;
        Pattern eventsOnly = Pattern.compile(Pattern.quote(topics.prefix()) + "\\.events\\.[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
        this.loop = ConsumerLoop.start(name, ConsumerLoop.config(topics, group, "chirp-detect", "earliest", 1_000, StringDeserializer.class),
                c -> c.subscribe(eventsOnly), Duration.ofMillis(300), this::take);
    }

    /** Starts one member of detection group {@code group}; its thread is named {@code name} (for CPU accounting). */
    public static FleetDetect start(FleetTopics topics, String group, Detector detector, Consumer<List<Found>> findings, String name) {
        return new FleetDetect(topics, group, detector, findings, name);
    }

    /** {@return events evaluated} */
    public long events() { return events.get(); }

    /** {@return findings raised} */
    public long alerts() { return alerts.get(); }

    /** {@return the name of this member's thread} */
    public String threadName() { return loop.threadName(); }

    private void take(ConsumerRecords<String, String> batch) {
        List<Found> out = new ArrayList<>();
        EventPipeline pipeline = new EventPipeline(List.of(), detector, a -> { }, e -> {
            if (e.classUid() == 2004) out.add(new Found(Sensor.withFindingId(e), current));
        });
        for (ConsumerRecord<String, String> cr : batch) evaluate(cr, pipeline);
        alerts.addAndGet(out.size());
        if (!out.isEmpty()) findings.accept(out);
    }

    private void evaluate(ConsumerRecord<String, String> cr, EventPipeline pipeline) {
        FleetRecord r;
        try {
            r = FleetRecord.decode(cr.value());
        } catch (io.chirp.core.ChirpException e) {
            return; // the ingest rejects and counts it
        }
        if (r.kind() != FleetRecord.Kind.EVENT || !r.sensor().equals(topics.sensorOf(cr.topic())) || !(r.body() instanceof ObjectNode o)) return;
        events.incrementAndGet();
        OcsfEvent e = new OcsfEvent(o);
        current = e;
        // the pipeline passes the event itself by its observer too; the observer above keeps only the findings
        pipeline.emit(new MonitorListener.VmRef(r.vm(), null, 0), e);
    }

    @Override public void close() { loop.close(); }
}
