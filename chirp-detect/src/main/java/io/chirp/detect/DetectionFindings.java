package io.chirp.detect;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chirp.detect.ocsf.OcsfEvent;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * Turns a {@link Detection} into an OCSF 1.8.0 Detection Finding (class 2004, activity Create). The finding
 * carries the rule as its analytic (type Rule, so the pipeline never feeds it back to rules), the ATT&amp;CK
 * techniques of the rule's tags, and as evidence the actor, process, endpoints and file of the triggering event
 * plus the selections and field values that matched.
 */
public final class DetectionFindings {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    /** The finding type that marks a rule that could not be evaluated on its event. */
    public static final String INCOMPLETE = "evaluation_incomplete";
    private static final List<String> EVIDENCE_PARTS = List.of("actor", "process", "src_endpoint", "dst_endpoint",
            "connection_info", "file", "user");

    private DetectionFindings() { }

    /**
     * {@return the finding}
     * @param time when the detection was made (the finding's {@code time})
     */
    public static ObjectNode toOcsf(Detection d, Instant time) {
        JsonNode source = d.event() instanceof OcsfEvent o ? o.ocsf() : null;
        ObjectNode f = base(d.ruleId(), d.title(), d.level(), d.tags(), d.event(), source, d.title(), false, time);
        ObjectNode data = (ObjectNode) f.at("/evidences/0/data");
        ArrayNode sel = data.putArray("selections");
        d.selections().forEach(sel::add);
        ArrayNode matched = data.putArray("matched");
        for (Detection.MatchedField m : d.matched()) {
            matched.addObject().put("selection", m.selection()).put("field", m.field()).put("value", m.value());
        }
        return f;
    }

    /**
     * {@return a finding that says the rule could not be evaluated on the event}: an alert with the rule's severity
     * (a guest may have padded a value on purpose to exhaust the budget), type {@value #INCOMPLETE} besides
     * {@code sigma}, and the reasons in the evidence ({@code data.evaluation = "incomplete"}, {@code data.reasons})
     */
    public static ObjectNode toOcsf(RuleOutcome.Undecided u, Instant time) {
        JsonNode source = u.event() instanceof OcsfEvent o ? o.ocsf() : null;
        String message = "evaluation incomplete: Sigma rule '" + u.title() + "' could not be evaluated: "
                + String.join("; ", u.reasons());
        ObjectNode f = base(u.ruleId(), u.title(), u.level(), u.tags(), u.event(), source, message, true, time);
        ((ObjectNode) f.get("finding_info")).put("title", "Evaluation incomplete: " + u.title())
                .withArray("types").add(INCOMPLETE);
        ObjectNode data = (ObjectNode) f.at("/evidences/0/data");
        data.put("evaluation", "incomplete");
        ArrayNode reasons = data.putArray("reasons");
        u.reasons().forEach(reasons::add);
        return f;
    }

    /** {@return whether an OCSF finding says its rule could not be evaluated} */
    public static boolean isIncomplete(JsonNode finding) {
        for (JsonNode t : finding.at("/finding_info/types")) if (INCOMPLETE.equals(t.asText())) return true;
        return false;
    }

    private static ObjectNode base(String ruleId, String title, Level level, List<String> tags, SigmaEvent event,
                                   JsonNode source, String message, boolean incomplete, Instant time) {
        ObjectNode f = F.objectNode();
        f.put("class_uid", 2004).put("class_name", "Detection Finding")
                .put("category_uid", 2).put("category_name", "Findings")
                .put("activity_id", 1).put("activity_name", "Create")
                .put("type_uid", 200401).put("type_name", "Detection Finding: Create")
                .put("severity_id", level.ocsfSeverityId()).put("severity", caption(level))
                .put("status_id", 1).put("status", "New")
                .put("is_alert", true)
                .put("time", time.toEpochMilli())
                .put("message", message);
        ObjectNode meta = f.putObject("metadata").put("version", "1.8.0");
        meta.putObject("product").put("name", "CHIRP").put("vendor_name", "CHIRP")
                .put("version", io.chirp.core.ChirpVersion.current().toString())
                .putObject("feature").put("name", "chirp-detect");
        if (source != null && source.has("device")) f.set("device", source.get("device").deepCopy());

        ObjectNode info = f.putObject("finding_info");
        info.put("uid", uid(ruleId, incomplete, event, source).toString()).put("title", title);
        info.putArray("types").add("sigma");
        ObjectNode analytic = info.putObject("analytic").put("type_id", 1).put("type", "Rule")
                .put("name", title).put("category", "sigma");
        if (ruleId != null) analytic.put("uid", ruleId);
        ArrayNode attacks = F.arrayNode();
        for (String tag : tags) {
            String t = tag.toLowerCase(Locale.ROOT);
            if (t.matches("attack\\.t\\d{4}(\\.\\d{3})?")) {
                attacks.addObject().putObject("technique").put("uid", t.substring("attack.".length()).toUpperCase(Locale.ROOT));
            }
        }
        if (!attacks.isEmpty()) info.set("attacks", attacks);
        if (source != null && source.at("/metadata/uid").isTextual()) {
            // related_event has no class_uid in OCSF 1.8.0: type_uid (class and activity) says what the trigger was
            ObjectNode rel = info.putArray("related_events").addObject().put("uid", source.at("/metadata/uid").asText());
            if (source.has("type_uid")) rel.put("type_uid", source.path("type_uid").asLong());
            if (source.has("type_name")) rel.put("type_name", source.path("type_name").asText());
        }

        ObjectNode evidence = f.putArray("evidences").addObject();
        if (source != null) {
            for (String part : EVIDENCE_PARTS) if (source.has(part)) evidence.set(part, source.get(part).deepCopy());
        }
        ObjectNode data = evidence.putObject("data");
        data.put("category", event.logSource().category());
        if (source == null) {
            // A plain SigmaEvent: the Sigma fields are the evidence.
            ObjectNode fields = data.putObject("fields");
            for (String name : event.fieldNames()) fields.put(name, String.valueOf(event.field(name)));
        }
        return f;
    }

    private static String caption(Level l) {
        return Map.of(Level.INFORMATIONAL, "Informational", Level.LOW, "Low", Level.MEDIUM, "Medium",
                Level.HIGH, "High", Level.CRITICAL, "Critical").get(l);
    }

    /** Same rule on the same event gives the same uid, so re-processing a timeline does not duplicate alerts. */
    private static UUID uid(String ruleId, boolean incomplete, SigmaEvent event, JsonNode source) {
        // An incomplete evaluation of the same rule on the same event is a different finding from a detection.
        String basis = ruleId + "\n" + (incomplete ? "incomplete\n" : "") + (source != null ? source.toString() : event.toString());
        return UUID.nameUUIDFromBytes(basis.getBytes(StandardCharsets.UTF_8));
    }
}
