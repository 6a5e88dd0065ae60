package io.chirp.detect.rule;

import io.chirp.detect.Level;
import io.chirp.detect.LogSource;

import java.util.List;

/**
 * A Sigma rule as written (the standard YAML format), parsed and checked for shape but not yet compiled.
 * Optional text attributes are null when the rule leaves them out; list attributes are then empty.
 *
 * @param source the file the rule came from, with {@code #N} for the N-th document of a collection
 */
public record SigmaRule(String title, String id, String status, String description, List<String> references,
                        String author, String date, String modified, List<String> tags, LogSource logSource,
                        SigmaDetection detection, List<String> falsePositives, Level level, List<String> fields,
                        String source) {

    public SigmaRule {
        references = List.copyOf(references);
        tags = List.copyOf(tags);
        falsePositives = List.copyOf(falsePositives);
        fields = List.copyOf(fields);
    }

    /** {@return the level, MEDIUM when the rule does not give one (Sigma's usual default)} */
    public Level levelOrDefault() { return level == null ? Level.MEDIUM : level; }
}
