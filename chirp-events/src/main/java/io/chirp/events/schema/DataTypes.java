package io.chirp.events.schema;

import com.fasterxml.jackson.databind.JsonNode;
import io.chirp.core.ChirpException;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** Reads the dictionary's {@code types} section into {@link DataType}s, each resolved to its primitive. */
final class DataTypes {
    /** The primitives a validator knows how to check; every other type is a subtype of one of them. */
    static final Set<String> PRIMITIVES = Set.of("string_t", "integer_t", "long_t", "float_t", "boolean_t", "json_t");

    private DataTypes() {}

    static Map<String, DataType> parse(JsonNode typesNode) {
        Map<String, DataType> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : typesNode.properties()) {
            out.put(e.getKey(), parse(e.getKey(), e.getValue(), typesNode));
        }
        return out;
    }

    private static DataType parse(String name, JsonNode t, JsonNode all) {
        String primitive = name;
        for (int hops = 0; !PRIMITIVES.contains(primitive); hops++) {
            JsonNode def = all.get(primitive);
            if (def == null || !def.hasNonNull("type") || hops > 8) {
                throw ChirpException.corrupt("OCSF schema: type " + name + " does not resolve to a primitive");
            }
            primitive = def.get("type").asText();
        }
        Pattern regex = null;
        if (t.hasNonNull("regex")) {
            try {
                regex = Pattern.compile(t.get("regex").asText());
            } catch (PatternSyntaxException ex) {
                throw new ChirpException(ChirpException.Kind.CORRUPT,
                        "OCSF schema: type " + name + " has a regex Java cannot compile", ex);
            }
        }
        long[] range = null;
        if (t.path("range").isArray() && t.get("range").size() == 2) {
            range = new long[] {t.get("range").get(0).asLong(), t.get("range").get(1).asLong()};
        }
        List<Object> values = new ArrayList<>();
        if (t.path("values").isArray()) {
            for (JsonNode v : t.get("values")) {
                if (v.isBoolean()) values.add(v.asBoolean());
                else if (v.isIntegralNumber()) values.add(v.asLong());
                else values.add(v.asText());
            }
        }
        return new DataType(name, primitive, regex, t.path("max_len").asInt(0), range, values);
    }
}
