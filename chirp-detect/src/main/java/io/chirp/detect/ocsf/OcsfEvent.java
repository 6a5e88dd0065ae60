package io.chirp.detect.ocsf;

import com.fasterxml.jackson.databind.JsonNode;
import io.chirp.detect.LogSource;
import io.chirp.detect.SigmaEvent;

import java.util.Map;
import java.util.Set;

/**
 * An OCSF event seen through the processing pipeline: the Sigma fields it maps to, and the original event (kept
 * as the evidence of any detection on it).
 */
public record OcsfEvent(LogSource logSource, Map<String, Object> fields, JsonNode ocsf) implements SigmaEvent {
    public OcsfEvent { fields = Map.copyOf(fields); }

    @Override public Object field(String name) { return fields.get(name); }

    @Override public Set<String> fieldNames() { return fields.keySet(); }
}
