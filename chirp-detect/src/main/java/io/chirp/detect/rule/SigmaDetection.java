package io.chirp.detect.rule;

import java.util.List;
import java.util.Map;
import java.util.SequencedMap;
import java.util.Collections;
import java.util.LinkedHashMap;

/**
 * The {@code detection} section of a rule.
 *
 * @param searches   the search identifiers in the order written
 * @param conditions the condition expressions (Sigma allows a list, meaning any of them)
 * @param timeframe  the aggregation time frame, or null (aggregations are not supported by the evaluator)
 */
public record SigmaDetection(SequencedMap<String, Search> searches, List<String> conditions, String timeframe) {
    public SigmaDetection {
        searches = Collections.unmodifiableSequencedMap(new LinkedHashMap<>(searches));
        conditions = List.copyOf(conditions);
    }

    /** {@return the searches by name} */
    public Map<String, Search> byName() { return searches; }
}
