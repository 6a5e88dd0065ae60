package io.chirp.fleet;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chirp.core.ChirpException;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * An on-demand action the server asks one sensor to run (an analyst's "acquire memory of VM X"), as it travels on
 * the sensor's command topic: the command's canonical JSON and the server's Ed25519 signature over exactly those
 * bytes.
 *
 * <p>Why both an ACL and a signature: the brokers' ACLs let only the server's user write the command topics (and each
 * sensor read only its own), which keeps everyone else out of the topic; the signature is what the sensor itself
 * checks, so a broker administrator, a stolen broker credential or a cluster set up without ACLs still cannot make a
 * sensor copy a guest's memory. The sensor also refuses a command for another sensor, an expired one, and one whose
 * id it has already run (a replay of a recorded command).
 *
 * @param id         the command's id, which correlates the sensor's replies (16 to 64 hex digits)
 * @param sensor     the sensor that is to run it
 * @param action     what to do
 * @param vm         the VM to act on
 * @param parameters the action's parameters (e.g. {@code mode}, {@code format})
 * @param issued     when the server issued it, epoch milliseconds
 * @param expires    after this (epoch milliseconds) the sensor refuses it
 */
public record FleetCommand(String id, String sensor, Action action, String vm, Map<String, String> parameters, long issued,
                           long expires) {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern ID = Pattern.compile("[0-9a-f]{16,64}");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final Pattern VM = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._+-]{0,63}");
    private static final Pattern VALUE = Pattern.compile("[A-Za-z0-9._-]{0,64}");
    /** Largest signed command accepted from the topic. */
    static final int MAX_BYTES = 16 * 1024;

    /** What a sensor can be asked to do. */
    public enum Action {
        /** Acquire a VM's memory into an evidence image and transfer it to the server. */
        ACQUIRE_MEMORY
    }

    public FleetCommand {
        if (id == null || !ID.matcher(id).matches()) throw ChirpException.usage("command id: 16 to 64 hex digits");
        if (!FleetRecord.validSensorId(sensor)) throw ChirpException.usage("bad sensor id in a command");
        java.util.Objects.requireNonNull(action, "action");
        if (vm == null || !VM.matcher(vm).matches()) throw ChirpException.usage("bad VM name in a command");
        parameters = Map.copyOf(new TreeMap<>(parameters));
        for (Map.Entry<String, String> e : parameters.entrySet()) {
            if (!NAME.matcher(e.getKey()).matches() || !VALUE.matcher(e.getValue()).matches()) {
                throw ChirpException.usage("bad command parameter " + e.getKey());
            }
        }
        if (expires <= issued) throw ChirpException.usage("a command must expire after it is issued");
    }

    /** {@return the bytes that are signed: the command as JSON with its fields and parameters in a fixed order} */
    byte[] canonical() {
        ObjectNode o = JSON.createObjectNode();
        o.put("id", id).put("sensor", sensor).put("action", action.name().toLowerCase(Locale.ROOT)).put("vm", vm);
        ObjectNode p = o.putObject("parameters");
        new TreeMap<>(parameters).forEach(p::put);
        o.put("issued", issued).put("expires", expires);
        try {
            return JSON.writeValueAsBytes(o);
        } catch (JsonProcessingException e) {
            throw new ChirpException(ChirpException.Kind.INTERNAL, "cannot encode a command", e);
        }
    }

    /** {@return the command as the JSON object that is signed (for the server's journal of commands in flight)} */
    JsonNode json() {
        try {
            return JSON.readTree(canonical());
        } catch (java.io.IOException e) {
            throw new ChirpException(ChirpException.Kind.INTERNAL, "cannot encode a command", e);
        }
    }

    /**
     * {@return the command in {@code o}, as {@link #canonical} writes it} Validated like any command.
     *
     * @throws IllegalArgumentException for an unknown action; ChirpException USAGE for a bad field
     */
    static FleetCommand parse(JsonNode o) {
        Map<String, String> params = new TreeMap<>();
        o.path("parameters").properties().forEach(e -> params.put(e.getKey(), e.getValue().asText()));
        return new FleetCommand(o.path("id").asText(), o.path("sensor").asText(),
                Action.valueOf(o.path("action").asText().toUpperCase(Locale.ROOT)), o.path("vm").asText(), params,
                o.path("issued").asLong(), o.path("expires").asLong());
    }

    /** {@return the command and {@code key}'s signature over it, as the record value put on the command topic} */
    public String sign(PrivateKey key) {
        byte[] body = canonical();
        try {
            Signature s = Signature.getInstance("Ed25519");
            s.initSign(key);
            s.update(body);
            ObjectNode env = JSON.createObjectNode();
            env.put("command", new String(body, StandardCharsets.UTF_8)).put("signature", Base64.getEncoder().encodeToString(s.sign()));
            return JSON.writeValueAsString(env);
        } catch (GeneralSecurityException | JsonProcessingException e) {
            throw new ChirpException(ChirpException.Kind.INTERNAL, "cannot sign a command: " + e, e);
        }
    }

    /**
     * {@return the command in {@code envelope}, once its signature by {@code serverKey} is checked, and it is for
     * {@code self} and not expired at {@code now}} The envelope comes from the network: a bad one is CORRUPT, with
     * the reason.
     */
    public static FleetCommand verify(String envelope, PublicKey serverKey, String self, long now) {
        if (envelope == null || envelope.length() > MAX_BYTES) throw ChirpException.corrupt("command missing or over " + MAX_BYTES + " bytes");
        FleetCommand c;
        try {
            JsonNode env = JSON.readTree(envelope);
            if (!env.path("command").isTextual() || !env.path("signature").isTextual()) {
                throw ChirpException.corrupt("not a signed command");
            }
            byte[] body = env.get("command").asText().getBytes(StandardCharsets.UTF_8);
            Signature s = Signature.getInstance("Ed25519");
            s.initVerify(serverKey);
            s.update(body);
            if (!s.verify(Base64.getDecoder().decode(env.get("signature").asText()))) {
                throw ChirpException.corrupt("the command's signature is not the server's");
            }
            c = parse(JSON.readTree(body));
        } catch (java.io.IOException | GeneralSecurityException | IllegalArgumentException e) {
            throw new ChirpException(ChirpException.Kind.CORRUPT, "bad command: " + e.getMessage(), e);
        } catch (ChirpException e) {
            throw e.kind() == ChirpException.Kind.CORRUPT ? e : new ChirpException(ChirpException.Kind.CORRUPT, e.getMessage(), e);
        }
        if (!c.sensor().equals(self)) throw ChirpException.corrupt("command " + c.id() + " is for sensor " + c.sensor() + ", not " + self);
        if (now > c.expires()) throw ChirpException.corrupt("command " + c.id() + " expired");
        return c;
    }
}
