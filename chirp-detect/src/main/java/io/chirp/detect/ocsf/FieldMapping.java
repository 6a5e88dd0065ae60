package io.chirp.detect.ocsf;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * How one Sigma field is read from an OCSF event.
 *
 * @param sigmaField the Sigma field name
 * @param source     where it comes from, for documentation and reports ({@code process.file.path | process.path})
 * @param extract    reads the value (String, Long, Double, Boolean or a list of those), or null when absent
 */
public record FieldMapping(String sigmaField, String source, Function<JsonNode, Object> extract) {

    /** {@return a mapping that takes the first present attribute of {@code paths} (dotted OCSF attribute paths)} */
    public static FieldMapping path(String sigmaField, String... paths) {
        // Compiled once: JsonNode.at(String) parses the pointer on every call, and this runs for every event.
        List<com.fasterxml.jackson.core.JsonPointer> pointers = new ArrayList<>();
        for (String p : paths) pointers.add(com.fasterxml.jackson.core.JsonPointer.compile("/" + p.replace('.', '/')));
        return new FieldMapping(sigmaField, String.join(" | ", paths), event -> {
            for (com.fasterxml.jackson.core.JsonPointer ptr : pointers) {
                Object v = value(event.at(ptr));
                if (v != null) return v;
            }
            return null;
        });
    }

    /** {@return a mapping computed from the event by {@code f}} */
    public static FieldMapping derived(String sigmaField, String source, Function<JsonNode, Object> f) {
        return new FieldMapping(sigmaField, source, f);
    }

    /** {@return a JSON value as a Sigma value: scalars as Java values, arrays of scalars as lists, else null} */
    static Object value(JsonNode n) {
        if (n == null || n.isMissingNode() || n.isNull()) return null;
        if (n.isTextual()) return n.textValue();
        if (n.isBoolean()) return n.booleanValue();
        if (n.isIntegralNumber()) return n.canConvertToLong() ? (Object) n.longValue() : n.asText();
        if (n.isNumber()) return n.doubleValue();
        if (n.isArray()) {
            List<Object> out = new ArrayList<>();
            for (JsonNode e : n) {
                Object v = e.isValueNode() ? value(e) : null;
                if (v != null) out.add(v);
            }
            return out.isEmpty() ? null : List.copyOf(out);
        }
        return null;
    }
}
