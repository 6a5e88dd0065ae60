package io.chirp.events.build;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chirp.events.EventClass;
import io.chirp.events.OcsfEvent;
import io.chirp.events.Severity;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

/**
 * The header every CHIRP event shares, and the options every builder has. Subclasses add the class's own
 * attributes in {@link #body(ObjectNode)}.
 *
 * @param <B> the concrete builder, so chained calls keep its type
 */
public abstract sealed class EventBuilder<B extends EventBuilder<B>>
        permits ProcessActivity, ModuleActivity, NetworkActivity, FileSystemActivity, VmStateChange, DetectionFinding {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    protected final EventContext ctx;
    private final EventClass eventClass;
    private final int activityId;
    private final String activityName;
    private Long time;
    private Severity severity = Severity.INFORMATIONAL;
    private String originalTime;
    private String message;
    private final Set<String> profiles = new LinkedHashSet<>(Set.of("host"));
    private final Map<String, JsonNode> unmapped = new LinkedHashMap<>();

    protected EventBuilder(EventContext ctx, EventClass eventClass, int activityId, String activityName) {
        this.ctx = Objects.requireNonNull(ctx, "ctx");
        this.eventClass = eventClass;
        this.activityId = activityId;
        this.activityName = activityName;
    }

    @SuppressWarnings("unchecked")
    private B self() { return (B) this; }

    /** Sets the time of the event in the guest, epoch ms; without it the host's time of building is used. */
    public B time(long epochMillis) { this.time = epochMillis; return self(); }

    public B time(Instant t) { return time(t.toEpochMilli()); }

    public B severity(Severity s) { this.severity = Objects.requireNonNull(s); return self(); }

    /** The guest's own timestamp text, as read (metadata.original_time). */
    public B originalTime(String text) { this.originalTime = text; return self(); }

    /** A human-readable summary (message). */
    public B message(String text) { this.message = text; return self(); }

    /** A CHIRP-specific value with no OCSF attribute; stored under {@code unmapped}. */
    public B unmapped(String key, Object value) {
        unmapped.put(Objects.requireNonNull(key), MAPPER.valueToTree(value));
        return self();
    }

    /** Declares an additional OCSF profile the event uses (e.g. linux/linux_users); host is always declared. */
    public B profile(String name) { profiles.add(Objects.requireNonNull(name)); return self(); }

    /** {@return the finished, immutable event} */
    public final OcsfEvent build() {
        ObjectNode e = MAPPER.createObjectNode();
        e.put("category_uid", eventClass.categoryUid()).put("category_name", eventClass.categoryName());
        e.put("class_uid", eventClass.uid()).put("class_name", eventClass.caption());
        e.put("activity_id", activityId).put("activity_name", activityName);
        e.put("type_uid", eventClass.uid() * 100L + activityId);
        e.put("type_name", eventClass.caption() + ": " + activityName);
        e.put("severity_id", severity.id()).put("severity", severity.caption());
        long logged = ctx.clock().millis();
        e.put("time", time != null ? time : logged);
        if (message != null) e.put("message", message);
        ObjectNode md = e.putObject("metadata");
        md.put("version", OcsfEvent.OCSF_VERSION);
        md.put("uid", UUID.randomUUID().toString());
        md.put("logged_time", logged);
        if (originalTime != null) md.put("original_time", originalTime);
        profiles.forEach(md.putArray("profiles")::add);
        md.putObject("product").put("name", "CHIRP").put("vendor_name", "CHIRP").put("version", ctx.productVersion());
        e.set("device", ObjectJson.device(ctx.vm()));
        body(e);
        if (!unmapped.isEmpty()) {
            ObjectNode u = e.putObject("unmapped");
            unmapped.forEach(u::set);
        }
        return new OcsfEvent(e);
    }

    /** Adds the class's own attributes. */
    protected abstract void body(ObjectNode event);
}
