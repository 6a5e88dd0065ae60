package io.chirp.detect;

import java.util.List;

/**
 * What one rule made of one event. Besides firing or not, a rule can be unable to decide: its regex ran out of its
 * step budget, or a value was longer than the part a regex looks at, and the rest of the condition does not settle
 * the result. That outcome is never folded into "no match": a guest that pads its command line to exhaust the
 * budget would otherwise evade the rule. The monitor turns an undecided outcome into a Detection Finding marked
 * "evaluation incomplete" ({@link DetectionFindings#toOcsf(Undecided, java.time.Instant)}).
 */
public sealed interface RuleOutcome {

    /** {@return the id of the rule (a UUID in SigmaHQ and CHIRP rules; may be null)} */
    String ruleId();

    /** The rule fired. */
    record Match(Detection detection) implements RuleOutcome {
        @Override public String ruleId() { return detection.ruleId(); }
    }

    /** The rule was evaluated completely and does not fire. */
    record NoMatch(String ruleId) implements RuleOutcome { }

    /**
     * The rule could not be evaluated on this event.
     *
     * @param reasons what could not be decided ({@code regex /(.*a){12}EVIL/ on CommandLine: step budget ...})
     */
    record Undecided(String ruleId, String title, Level level, List<String> tags, SigmaEvent event,
                     List<String> reasons) implements RuleOutcome {
        public Undecided {
            tags = List.copyOf(tags);
            reasons = List.copyOf(reasons);
        }
    }
}
