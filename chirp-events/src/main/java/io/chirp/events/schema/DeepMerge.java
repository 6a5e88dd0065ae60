package io.chirp.events.schema;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Map;

/**
 * The schema server's deep merge: objects merge key by key, anything else on the right replaces the left —
 * including an explicit JSON null, which is how a class says "this attribute is no longer from a profile"
 * ({@code "profile": null}) or removes an inherited attribute.
 */
final class DeepMerge {
    private DeepMerge() {}

    /** {@return a new object: {@code left} with {@code right} merged over it; neither argument is modified} */
    static ObjectNode merge(ObjectNode left, ObjectNode right) {
        ObjectNode out = left == null ? right.objectNode() : left.deepCopy();
        if (right == null) return out;
        for (Map.Entry<String, JsonNode> e : right.properties()) {
            JsonNode l = out.get(e.getKey());
            JsonNode r = e.getValue();
            if (l instanceof ObjectNode lo && r instanceof ObjectNode ro) out.set(e.getKey(), merge(lo, ro));
            else out.set(e.getKey(), r.deepCopy());
        }
        return out;
    }
}
