package io.chirp.detect;

import java.util.List;

/**
 * A rule that fired on an event, as a value: what fired, how bad it is, and the evidence (the selections that were
 * true and the event fields that satisfied them). The monitor turns it into an OCSF Detection Finding with
 * {@link DetectionFindings#toOcsf}.
 *
 * @param ruleId     the rule's stable id (a UUID in SigmaHQ and CHIRP rules)
 * @param title      the rule's title
 * @param level      the rule's level (MEDIUM when the rule does not say)
 * @param tags       the rule's tags ({@code attack.t1059} ...)
 * @param event      the event the rule fired on
 * @param selections the search identifiers that were true on the event, in rule order
 * @param matched    the field values that made those selections true
 */
public record Detection(String ruleId, String title, Level level, List<String> tags, SigmaEvent event,
                        List<String> selections, List<MatchedField> matched) {

    public Detection {
        tags = List.copyOf(tags);
        selections = List.copyOf(selections);
        matched = List.copyOf(matched);
    }

    /**
     * One piece of evidence: an event field that satisfied a field condition of a selection.
     *
     * @param selection the search identifier
     * @param field     the Sigma field with its modifiers as written in the rule ({@code CommandLine|contains})
     * @param value     the event's value (keyword matches name the field the keyword was found in)
     */
    public record MatchedField(String selection, String field, String value) { }
}
