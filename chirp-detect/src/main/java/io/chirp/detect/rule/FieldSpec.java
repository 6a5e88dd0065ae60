package io.chirp.detect.rule;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * One field condition of a selection as written: {@code CommandLine|contains|all: [a, b]}.
 *
 * @param key       the key as written in the rule (for reports and evidence)
 * @param field     the Sigma field name, or null for a keyword (full-text) search
 * @param modifiers the modifiers in the order written, lower-case
 * @param values    the values: String, Long, Double, Boolean, or null (Sigma's "field is absent"); never empty
 */
public record FieldSpec(String key, String field, List<String> modifiers, List<Object> values) {

    public FieldSpec {
        modifiers = List.copyOf(modifiers);
        // List.copyOf rejects nulls, and null is a legal Sigma value.
        values = Collections.unmodifiableList(new ArrayList<>(values));
        if (values.isEmpty()) throw new IllegalArgumentException("a field condition needs at least one value");
    }

    /** {@return whether this is a keyword search rather than a field condition} */
    public boolean keyword() { return field == null; }
}
