package io.chirp.events.build;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chirp.events.EventClass;
import io.chirp.events.OcsfEvent;
import io.chirp.events.Severity;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * OCSF Detection Finding (2004, activity Create): an alert raised by a rule or an integrity check, carrying the
 * events that triggered it as evidence.
 *
 * <p>Each triggering event becomes one {@code evidences} entry: the whole event under {@code data} (so the alert is
 * self-contained in a JSON lines file) plus its process, actor, file and endpoints in OCSF's own evidence slots;
 * {@code finding_info.related_events} points back to it by uid.
 */
public final class DetectionFinding extends EventBuilder<DetectionFinding> {
    /** Event attributes that have a slot of the same name in OCSF's evidences object. */
    private static final List<String> EVIDENCE_SLOTS =
            List.of("actor", "process", "file", "src_endpoint", "dst_endpoint", "connection_info");
    /** OCSF analytic.type_id 1: Rule. */
    private static final int RULE = 1;

    private final Rule rule;
    private int analyticTypeId = RULE;
    private String analyticType = "Rule";
    private final List<ObjectNode> evidences = new ArrayList<>();
    private final List<ObjectNode> related = new ArrayList<>();

    private DetectionFinding(EventContext ctx, Rule rule, Severity severity) {
        super(ctx, EventClass.DETECTION_FINDING, 1, "Create");
        this.rule = Objects.requireNonNull(rule, "rule");
        severity(severity);
    }

    /** {@return a builder for a finding of {@code rule}} */
    public static DetectionFinding of(EventContext ctx, Rule rule, Severity severity) {
        return new DetectionFinding(ctx, rule, severity);
    }

    /** Adds an event that triggered the finding as evidence. */
    public DetectionFinding evidence(OcsfEvent trigger) {
        ObjectNode t = trigger.json();
        ObjectNode ev = JsonNodeFactory.instance.objectNode();
        for (String slot : EVIDENCE_SLOTS) if (t.hasNonNull(slot)) ev.set(slot, t.get(slot));
        ev.set("data", t);
        evidences.add(ev);
        ObjectNode rel = JsonNodeFactory.instance.objectNode();
        rel.put("uid", trigger.uid() != null ? trigger.uid() : "unknown");
        rel.put("type_uid", trigger.typeUid());
        if (t.hasNonNull("type_name")) rel.put("type_name", t.get("type_name").asText());
        related.add(rel);
        // Evidence copied from the trigger may use attributes of its profiles.
        for (JsonNode p : t.path("metadata").path("profiles")) profile(p.asText());
        return this;
    }

    /**
     * Sets the analytic's type (OCSF analytic.type_id and its caption). Sigma alerts are Rules; CHIRP's integrity
     * checks are not, which is also how detection rules tell observations from other rules' alerts.
     */
    DetectionFinding analytic(int typeId, String caption) {
        this.analyticTypeId = typeId;
        this.analyticType = Objects.requireNonNull(caption);
        return this;
    }

    /** Adds a prepared OCSF evidences object (integrity checks build their own). */
    DetectionFinding evidenceObject(ObjectNode evidence) {
        evidences.add(evidence.deepCopy());
        return this;
    }

    @Override protected void body(ObjectNode e) {
        ObjectNode fi = e.putObject("finding_info");
        fi.put("uid", UUID.randomUUID().toString());
        fi.put("title", rule.title());
        if (rule.desc() != null) fi.put("desc", rule.desc());
        if (!rule.types().isEmpty()) rule.types().forEach(fi.putArray("types")::add);
        fi.put("created_time", ctx.clock().millis());
        fi.putObject("analytic").put("uid", rule.uid()).put("name", rule.name()).put("type_id", analyticTypeId).put("type", analyticType);
        if (!related.isEmpty()) {
            ArrayNode r = fi.putArray("related_events");
            related.forEach(r::add);
        }
        if (!evidences.isEmpty()) {
            ArrayNode ev = e.putArray("evidences");
            evidences.forEach(ev::add);
        }
        e.put("is_alert", true);
        e.put("status_id", 1).put("status", "New");
    }
}
