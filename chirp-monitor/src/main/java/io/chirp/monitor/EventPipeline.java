package io.chirp.monitor;

import io.chirp.detect.Detection;
import io.chirp.detect.DetectionFindings;
import io.chirp.detect.Detector;
import io.chirp.detect.RuleOutcome;
import io.chirp.detect.ocsf.OcsfPipeline;
import io.chirp.events.OcsfEvent;
import io.chirp.events.sink.EventSink;
import io.chirp.monitor.trace.TraceEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Where the watchers' observations go: normalised to OCSF, written to every sink, matched against the Sigma
 * rules; each match becomes a Detection Finding (with the triggering event as evidence), written too and handed
 * to the alert callback. A rule that could not be evaluated on an event (a regex out of its step budget) becomes a
 * finding too, marked "evaluation incomplete" ({@link DetectionFindings#isIncomplete}), written to the sinks and
 * counted in {@link #undecided()}, but not handed to the alert callback: it is not a detection. A failing sink or
 * rule never stops the monitor.
 */
public final class EventPipeline implements MonitorListener, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EventPipeline.class);

    /** An alert: the finding, the detection behind it, and the VM. */
    public record Alert(VmRef vm, Detection detection, OcsfEvent finding, OcsfEvent trigger) {}

    private final OcsfMapper mapper = new OcsfMapper();
    private final List<EventSink> sinks;
    private volatile Detector detector;
    private final Consumer<Alert> alerts;
    private final Consumer<OcsfEvent> observer;
    private final AtomicLong events = new AtomicLong(), alertCount = new AtomicLong(), errors = new AtomicLong(),
            undecided = new AtomicLong();

    /**
     * @param sinks    where events and findings go
     * @param detector the rules
     * @param alerts   told of each alert (on the thread that saw the event)
     * @param observer told of every event (for live display and tests); may be null
     */
    public EventPipeline(List<EventSink> sinks, Detector detector, Consumer<Alert> alerts, Consumer<OcsfEvent> observer) {
        this.sinks = List.copyOf(sinks);
        this.detector = detector;
        this.alerts = alerts;
        this.observer = observer;
    }

    @Override
    public void onChange(VmRef vm, Change change) {
        try {
            for (OcsfEvent e : mapper.map(vm, change)) emit(vm, e);
        } catch (RuntimeException e) {
            errors.incrementAndGet();
            log.warn("could not record {} on {}: {}", change.getClass().getSimpleName(), vm.name(), e.toString());
        }
    }

    @Override
    public void onTrace(VmRef vm, TraceEvent event) {
        try {
            emit(vm, mapper.map(vm, event));
        } catch (RuntimeException e) {
            errors.incrementAndGet();
            log.warn("could not record traced {} on {}: {}", event.getClass().getSimpleName(), vm.name(), e.toString());
        }
    }

    /** Writes an event, runs the rules on it, and writes and reports each resulting finding. */
    public void emit(VmRef vm, OcsfEvent e) {
        write(e);
        OcsfPipeline.standard().map(e.json()).ifPresent(sigma -> {
            for (RuleOutcome o : detector.outcomes(sigma)) {
                switch (o) {
                    case RuleOutcome.Match(Detection d) -> {
                        OcsfEvent finding = new OcsfEvent(DetectionFindings.toOcsf(d, Instant.now()));
                        write(finding);
                        alertCount.incrementAndGet();
                        alerts.accept(new Alert(vm, d, finding, e));
                    }
                    case RuleOutcome.Undecided u -> {
                        // Never a silent "no match": a guest can pad a value to exhaust a regex's budget.
                        write(new OcsfEvent(DetectionFindings.toOcsf(u, Instant.now())));
                        undecided.incrementAndGet();
                        log.warn("rule '{}' could not be evaluated on an event of {}: {}", u.title(), vm.name(), u.reasons());
                    }
                    case RuleOutcome.NoMatch n -> { }
                }
            }
        });
    }

    private void write(OcsfEvent e) {
        events.incrementAndGet();
        if (observer != null) observer.accept(e);
        for (EventSink s : sinks) {
            try {
                s.accept(e);
            } catch (RuntimeException ex) {
                errors.incrementAndGet();
                log.warn("sink failed: {}", ex.toString());
            }
        }
    }

    /** Replaces the rules (a server whose administrator added or removed one); events already matched stay. */
    public void detector(Detector d) { this.detector = java.util.Objects.requireNonNull(d, "detector"); }

    /** Makes everything written so far durable (each sink flushes its batch). */
    public void flush() {
        for (EventSink s : sinks) {
            try {
                s.flush();
            } catch (RuntimeException ex) {
                log.warn("sink flush failed: {}", ex.toString());
            }
        }
    }

    public long events() { return events.get(); }

    public long alerts() { return alertCount.get(); }

    public long errors() { return errors.get(); }

    /** {@return how many rule evaluations were undecided (each written as an "evaluation incomplete" finding)} */
    public long undecided() { return undecided.get(); }

    @Override
    public void close() {
        for (EventSink s : sinks) {
            try {
                s.close();
            } catch (Exception ex) {
                log.warn("sink close failed: {}", ex.toString());
            }
        }
    }
}
