package io.chirp.fleet;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chirp.core.ChirpException;

import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One record a sensor publishes: what it is, who sent it, where it sits in its VM's order, and its body.
 *
 * @param kind   what the body is
 * @param id     a stable id: the OCSF event's {@code metadata.uid} for events and alerts, else made once at creation
 * @param sensor the sensor's id (usually its host name)
 * @param vm     the VM, or null for sensor-wide records (heartbeats, custody)
 * @param epoch  the sensor's start count (each start of a sensor is one epoch)
 * @param seq    position in the VM's order within the epoch, from 1 (0 for records outside any VM's order)
 * @param time   when the sensor made the record, epoch milliseconds
 * @param body   the payload (an OCSF event, a state, a heartbeat, a custody record)
 */
public record FleetRecord(Kind kind, String id, String sensor, String vm, long epoch, long seq, long time, JsonNode body) {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern SENSOR_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    /** Largest encoded record accepted from the wire: a record is an event, never an artifact. */
    public static final int MAX_BYTES = 1 << 20;

    /** What a record carries. */
    public enum Kind {
        /** An OCSF event observed on a VM. */
        EVENT,
        /** An OCSF Detection Finding raised by the sensor's Sigma rules. */
        ALERT,
        /** A VM's monitoring state changed (attached, running, paused, stopped, detached, ...). */
        VM_STATE,
        /** The sensor is alive: version, load, the VMs it watches, its spool. */
        HEARTBEAT,
        /** A chain-of-custody record of an evidence action on the sensor's host. */
        CUSTODY,
        /** A reply to a server's command: its progress, its outcome, its artifact's hash and manifest. */
        JOB;

        /** {@return true for kinds that go into the event store} */
        public boolean stored() { return this == EVENT || this == ALERT; }
    }

    public FleetRecord {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(sensor, "sensor");
        Objects.requireNonNull(body, "body");
        if (!validSensorId(sensor)) throw new IllegalArgumentException("bad sensor id " + sensor);
        if (id.isEmpty() || id.length() > 128) throw new IllegalArgumentException("bad record id");
        if (seq < 0 || epoch < 0) throw new IllegalArgumentException("negative seq or epoch");
    }

    /** {@return true if {@code id} can name a sensor: it names a host in the console and in Kafka keys (letters,
     * digits, '.', '_', '-'; at most 64)} */
    public static boolean validSensorId(String id) { return id != null && SENSOR_ID.matcher(id).matches(); }

    /** {@return the Kafka key: records of one VM of one sensor share it, so they share a partition and its order} */
    public String key() { return vm == null ? sensor : sensor + "/" + vm; }

    /** {@return the record as one line of JSON} */
    public String encode() {
        ObjectNode o = JSON.createObjectNode();
        o.put("kind", kind.name().toLowerCase(Locale.ROOT)).put("id", id).put("sensor", sensor);
        if (vm != null) o.put("vm", vm);
        o.put("epoch", epoch).put("seq", seq).put("time", time).set("body", body);
        try {
            return JSON.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new ChirpException(ChirpException.Kind.INTERNAL, "cannot encode a fleet record", e);
        }
    }

    /**
     * {@return the record encoded in {@code text}}. The text comes from the network (any party able to write to
     * the topic): every field is checked, and a bad record is a {@link ChirpException} of kind CORRUPT.
     */
    public static FleetRecord decode(String text) {
        if (text == null || text.length() > MAX_BYTES) throw ChirpException.corrupt("fleet record missing or over " + MAX_BYTES + " bytes");
        try {
            JsonNode n = JSON.readTree(text);
            if (!(n instanceof ObjectNode o)) throw ChirpException.corrupt("fleet record is not a JSON object");
            Kind kind = Kind.valueOf(o.path("kind").asText("").toUpperCase(Locale.ROOT));
            JsonNode vm = o.get("vm");
            if (!o.path("epoch").canConvertToLong() || !o.path("seq").canConvertToLong() || !o.path("time").canConvertToLong()) {
                throw ChirpException.corrupt("fleet record without integer epoch, seq and time");
            }
            if (!o.path("id").isTextual() || !o.path("sensor").isTextual() || (vm != null && !vm.isTextual()) || !o.has("body")) {
                throw ChirpException.corrupt("fleet record without id, sensor or body");
            }
            return new FleetRecord(kind, o.get("id").asText(), o.get("sensor").asText(), vm == null ? null : vm.asText(),
                    o.get("epoch").asLong(), o.get("seq").asLong(), o.get("time").asLong(), o.get("body"));
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw new ChirpException(ChirpException.Kind.CORRUPT, "bad fleet record: " + e.getMessage(), e);
        }
    }
}
