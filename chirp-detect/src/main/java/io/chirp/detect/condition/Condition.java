package io.chirp.detect.condition;

import java.util.List;

/** A parsed Sigma condition: the boolean expression over search identifiers. */
public sealed interface Condition {

    /** A search identifier by name. */
    record Ref(String name) implements Condition { }

    /** All operands hold. */
    record And(List<Condition> operands) implements Condition {
        public And { operands = List.copyOf(operands); }
    }

    /** At least one operand holds. */
    record Or(List<Condition> operands) implements Condition {
        public Or { operands = List.copyOf(operands); }
    }

    /** The operand does not hold. */
    record Not(Condition operand) implements Condition { }

    /**
     * {@code N of pattern}, {@code all of pattern}, {@code 1 of them}: a quantifier over the search identifiers whose
     * names match a pattern ({@code *} is the only wildcard), or over all of them (except names starting with "_").
     *
     * @param count   how many must hold; {@link #ALL} for all of them
     * @param pattern the identifier pattern, or null for "them"
     */
    record Of(int count, String pattern) implements Condition {
        public static final int ALL = -1;

        public Of {
            if (count != ALL && count < 1) throw new IllegalArgumentException("count " + count);
        }

        /** {@return whether the identifier {@code name} is one this quantifier ranges over} */
        public boolean covers(String name) {
            if (pattern == null) return !name.startsWith("_");
            return globMatches(pattern, 0, name, 0);
        }

        private static boolean globMatches(String p, int pi, String s, int si) {
            // Identifier patterns are short and have few stars; iterate with one backtrack point.
            int star = -1, mark = 0;
            while (si < s.length()) {
                if (pi < p.length() && p.charAt(pi) != '*' && p.charAt(pi) == s.charAt(si)) { pi++; si++; }
                else if (pi < p.length() && p.charAt(pi) == '*') { star = pi++; mark = si; }
                else if (star >= 0) { pi = star + 1; si = ++mark; }
                else return false;
            }
            while (pi < p.length() && p.charAt(pi) == '*') pi++;
            return pi == p.length();
        }
    }
}
