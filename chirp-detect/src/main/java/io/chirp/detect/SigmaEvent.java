package io.chirp.detect;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * An event as Sigma rules see it: values by Sigma field name ({@code Image}, {@code CommandLine}, ...) and the log
 * source it belongs to. Values are strings, numbers, booleans, or lists of those (a multi-valued field); an absent
 * field and a null value are the same to Sigma. Event values are untrusted guest data: matchers bound their work.
 */
public interface SigmaEvent {

    /** {@return the log source this event belongs to; rules for other log sources are not evaluated on it} */
    LogSource logSource();

    /** {@return the value of a Sigma field, or null when the event does not have it} */
    Object field(String name);

    /** {@return the names of the fields this event has (for keyword searches, which look at every value)} */
    Set<String> fieldNames();

    /** {@return an event holding a copy of the given fields (null values are dropped)} */
    static SigmaEvent of(LogSource source, Map<String, ?> fields) {
        Map<String, Object> copy = new LinkedHashMap<>();
        fields.forEach((k, v) -> { if (v != null) copy.put(k, v); });
        return new Fields(source, Collections.unmodifiableMap(copy));
    }

    /** A plain event over a map of Sigma fields. */
    record Fields(LogSource logSource, Map<String, Object> fields) implements SigmaEvent {
        public Fields {
            if (logSource == null) throw new IllegalArgumentException("log source is required");
            fields = Map.copyOf(fields);
        }
        @Override public Object field(String name) { return fields.get(name); }
        @Override public Set<String> fieldNames() { return fields.keySet(); }
    }
}
