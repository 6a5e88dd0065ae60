package io.chirp.detect.eval;

import io.chirp.detect.SigmaEvent;

/**
 * One compiled value of a field condition, tested against one scalar event value (already in its text form;
 * numeric comparisons parse it back). The event is passed for {@code fieldref}, which compares two fields.
 */
public sealed interface ValueMatcher {

    /** {@return whether the event value satisfies this matcher} */
    boolean test(String value, SigmaEvent event);

    /**
     * {@return whether the event value satisfies this matcher, or UNKNOWN when the matcher could not decide within its
     * budget}; only {@code re} can be UNKNOWN
     * @param why gets the reason when the answer is UNKNOWN
     */
    default Truth truth(String value, SigmaEvent event, java.util.List<String> why) { return Truth.of(test(value, event)); }

    /** A plain value, possibly with wildcards (also contains/startswith/endswith and the encodings). */
    record Glob(GlobPattern pattern) implements ValueMatcher {
        @Override public boolean test(String value, SigmaEvent event) { return pattern.matches(value); }
        @Override public String toString() { return pattern.toString(); }
    }

    /** {@code re}: the regex is found in the value. */
    record Regex(BoundedRegex regex) implements ValueMatcher {
        @Override public boolean test(String value, SigmaEvent event) { return regex.find(value); }
        @Override public Truth truth(String value, SigmaEvent event, java.util.List<String> why) { return regex.search(value, why); }
        @Override public String toString() { return "/" + regex + "/"; }
    }

    /** {@code cidr}: the value is an IP address in the network. */
    record Cidr(CidrBlock block) implements ValueMatcher {
        @Override public boolean test(String value, SigmaEvent event) { return block.contains(value); }
        @Override public String toString() { return block.toString(); }
    }

    /** {@code gt}, {@code gte}, {@code lt}, {@code lte}: numeric comparison; a non-numeric value never matches. */
    record Compare(Op op, double bound) implements ValueMatcher {
        public enum Op { GT, GTE, LT, LTE }

        @Override public boolean test(String value, SigmaEvent event) {
            double v;
            try {
                v = Double.parseDouble(value.strip());
            } catch (NumberFormatException e) {
                return false;
            }
            if (Double.isNaN(v)) return false;
            return switch (op) {
                case GT -> v > bound;
                case GTE -> v >= bound;
                case LT -> v < bound;
                case LTE -> v <= bound;
            };
        }
        @Override public String toString() { return op.name().toLowerCase(java.util.Locale.ROOT) + " " + bound; }
    }

    /** {@code fieldref}: the value relates to another field's value of the same event. */
    record FieldRef(String other, Kind kind, boolean caseSensitive) implements ValueMatcher {
        public enum Kind { EQUALS, CONTAINS, STARTS_WITH, ENDS_WITH }

        @Override public boolean test(String value, SigmaEvent event) {
            Object o = event.field(other);
            if (o == null) return false;
            String a = caseSensitive ? value : GlobPattern.fold(value);
            for (String ov : EventValues.texts(o)) {
                String b = caseSensitive ? ov : GlobPattern.fold(ov);
                boolean hit = switch (kind) {
                    case EQUALS -> a.equals(b);
                    case CONTAINS -> a.contains(b);
                    case STARTS_WITH -> a.startsWith(b);
                    case ENDS_WITH -> a.endsWith(b);
                };
                if (hit) return true;
            }
            return false;
        }
        @Override public String toString() { return "fieldref " + other; }
    }
}
