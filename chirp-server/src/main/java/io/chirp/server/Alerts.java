package io.chirp.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.chirp.events.OcsfEvent;
import io.chirp.events.Severity;
import io.chirp.monitor.EventPipeline;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The alerts raised since the server started (the newest {@value #MAX} of them), and who acknowledged which. The
 * findings themselves are in the event store; acknowledgements are also in the audit log.
 */
public final class Alerts {
    static final int MAX = 10_000;

    /** An alert as the API shows it. */
    public record View(String id, String time, String vm, String rule_id, String title, String level,
                       String acknowledged_by, String acknowledged_at, String note, JsonNode finding) {}

    private final Deque<View> alerts = new ArrayDeque<>();

    /** Keeps an alert; {@return how the API and the stream show it} */
    public synchronized View add(EventPipeline.Alert a) {
        String id = a.finding().uid();
        if (id == null || !id.matches("[A-Za-z0-9_-]{1,64}")) id = UUID.randomUUID().toString();
        View v = new View(id, Instant.now().toString(), a.vm().name(), a.detection().ruleId(), a.detection().title(),
                a.detection().level().name().toLowerCase(), null, null, null, a.finding().json());
        alerts.addFirst(v);
        while (alerts.size() > MAX) alerts.removeLast();
        return v;
    }

    /**
     * Keeps an alert raised by a fleet sensor's rules (the finding arrived over Kafka, already evaluated);
     * {@return how the API and the stream show it}
     */
    public synchronized View add(String vm, OcsfEvent finding) {
        String id = finding.uid();
        if (id == null || !id.matches("[A-Za-z0-9_-]{1,64}")) id = UUID.randomUUID().toString();
        JsonNode info = finding.at("finding_info");
        View v = new View(id, Instant.now().toString(), vm, info.path("analytic").path("uid").asText(null),
                info.path("title").asText(""), Severity.of(finding.severityId()).name().toLowerCase(java.util.Locale.ROOT),
                null, null, null, finding.json());
        alerts.addFirst(v);
        while (alerts.size() > MAX) alerts.removeLast();
        return v;
    }

    public synchronized List<View> list(String vm, boolean unacknowledgedOnly, int limit) {
        List<View> out = new ArrayList<>();
        for (View v : alerts) {
            if (out.size() >= limit) break;
            if (vm != null && !vm.equals(v.vm())) continue;
            if (unacknowledgedOnly && v.acknowledged_by() != null) continue;
            out.add(v);
        }
        return out;
    }

    /** {@return the alert with this id, if still kept} */
    public synchronized Optional<View> get(String id) {
        return alerts.stream().filter(v -> v.id().equals(id)).findFirst();
    }

    /** Marks an alert acknowledged by {@code who}; {@return it, or empty if there is no such alert} */
    public synchronized Optional<View> acknowledge(String id, String who, String note) {
        List<View> copy = new ArrayList<>(alerts);
        for (int i = 0; i < copy.size(); i++) {
            View v = copy.get(i);
            if (!v.id().equals(id)) continue;
            View acked = new View(v.id(), v.time(), v.vm(), v.rule_id(), v.title(), v.level(), who,
                    Instant.now().toString(), note, v.finding());
            copy.set(i, acked);
            alerts.clear();
            alerts.addAll(copy);
            return Optional.of(acked);
        }
        return Optional.empty();
    }
}
