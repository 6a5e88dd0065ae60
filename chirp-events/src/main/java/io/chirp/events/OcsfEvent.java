package io.chirp.events;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chirp.core.ChirpException;

import java.util.Objects;

/**
 * One normalized event: an OCSF JSON object. Immutable: the node is copied in and {@link #json()} hands out copies,
 * so an event can be shared between sinks and threads without anyone changing it underneath the others.
 *
 * @param json the event object (copied)
 */
public record OcsfEvent(ObjectNode json) {
    /** The OCSF version CHIRP emits. */
    public static final String OCSF_VERSION = "1.8.0";

    private static final ObjectMapper MAPPER = new ObjectMapper();

    public OcsfEvent {
        Objects.requireNonNull(json, "json");
        for (String f : new String[] {"class_uid", "activity_id", "type_uid", "time", "severity_id"}) {
            if (!json.path(f).isIntegralNumber()) throw new IllegalArgumentException("OCSF event without integer " + f);
        }
        json = json.deepCopy();
    }

    /** {@return a copy of the event's JSON} */
    @Override public ObjectNode json() { return json.deepCopy(); }

    /** {@return the event parsed from one JSON object (as written by {@link #toJsonLine()})} */
    public static OcsfEvent parse(String text) {
        try {
            JsonNode n = MAPPER.readTree(text);
            if (!(n instanceof ObjectNode o)) throw ChirpException.corrupt("stored event is not a JSON object");
            return new OcsfEvent(o);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw new ChirpException(ChirpException.Kind.CORRUPT, "not an OCSF event: " + e.getMessage(), e);
        }
    }

    /** {@return the event as one line of JSON (no raw newlines: Jackson escapes control characters in strings)} */
    public String toJsonLine() {
        try {
            return MAPPER.writeValueAsString(json);
        } catch (JsonProcessingException e) {
            throw new ChirpException(ChirpException.Kind.INTERNAL, "cannot serialize event", e);
        }
    }

    /** {@return class_uid} */
    public int classUid() { return json.get("class_uid").asInt(); }

    /** {@return activity_id} */
    public int activityId() { return json.get("activity_id").asInt(); }

    /** {@return type_uid} */
    public long typeUid() { return json.get("type_uid").asLong(); }

    /** {@return event time, epoch milliseconds (the guest's time of the event where known)} */
    public long time() { return json.get("time").asLong(); }

    /** {@return severity_id} */
    public int severityId() { return json.get("severity_id").asInt(); }

    /** {@return metadata.uid, or null} */
    public String uid() { return text(json.path("metadata").path("uid")); }

    /** {@return the VM's name (device.name), or null} */
    public String vmName() { return text(json.path("device").path("name")); }

    /** {@return activity_name, or the activity id as text} */
    public String activityName() {
        String s = text(json.path("activity_name"));
        return s != null ? s : Integer.toString(activityId());
    }

    /** {@return a value at a path of attribute names ({@code "process", "pid"}), or a missing node} */
    public JsonNode at(String... path) {
        JsonNode n = json;
        for (String p : path) n = n.path(p);
        return n;
    }

    private static String text(JsonNode n) { return n.isTextual() ? n.asText() : null; }
}
