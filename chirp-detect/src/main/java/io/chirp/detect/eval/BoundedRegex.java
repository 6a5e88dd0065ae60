package io.chirp.detect.eval;

import io.chirp.detect.RuleException;

import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A rule's {@code re} value: a Java regex compiled once and run with a budget. java.util.regex backtracks, so a
 * pattern like {@code (a+)+$} takes exponential time on a hostile value. Rather than guess which patterns are
 * dangerous, every match runs over an input that counts character reads and aborts past {@link #STEP_BUDGET};
 * the input is cut to {@link #MAX_INPUT} characters. Neither an aborted match nor a miss in a cut value is a "no
 * match": {@link #search} says {@link Truth#UNKNOWN} with the reason, and the rule's outcome becomes undecided
 * unless the rest of its condition settles it. At compile time a pattern longer than {@link #MAX_PATTERN} or with
 * a counted repetition above {@link #MAX_REPEAT} is refused: no detection regex needs them, and the coverage
 * sampler would otherwise build strings of that size.
 */
public final class BoundedRegex {
    /** Characters of a value a regex looks at; command lines beyond this are rare and the tail seldom matters. */
    public static final int MAX_INPUT = 64 * 1024;
    /** Character reads per match: ~ a few milliseconds of work at worst. */
    public static final long STEP_BUDGET = 2_000_000;
    /** Characters of a pattern; SigmaHQ's longest is about 100. */
    public static final int MAX_PATTERN = 4096;
    /** Largest count in {@code {n}}, {@code {n,}}, {@code {n,m}}; SigmaHQ's largest is 200. */
    public static final int MAX_REPEAT = 10_000;
    private static final java.util.regex.Pattern COUNTED = java.util.regex.Pattern.compile("\\{(\\d+)(?:,(\\d*))?}");

    private final Pattern pattern;
    private final AtomicLong aborted = new AtomicLong();

    private BoundedRegex(Pattern pattern) { this.pattern = pattern; }

    /**
     * {@return the compiled regex}
     * @param flags Sigma's regex sub-modifiers: i (ignore case), m (multi-line), s (dot matches newline)
     * @throws RuleException if the pattern is not a valid Java regex
     */
    public static BoundedRegex compile(String regex, boolean ignoreCase, boolean multiline, boolean dotAll) {
        int f = 0;
        if (ignoreCase) f |= Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE;
        if (multiline) f |= Pattern.MULTILINE;
        if (dotAll) f |= Pattern.DOTALL;
        if (regex.length() > MAX_PATTERN) {
            throw new RuleException("regex of " + regex.length() + " characters is longer than the " + MAX_PATTERN + " allowed");
        }
        checkRepetitions(regex);
        try {
            return new BoundedRegex(Pattern.compile(regex, f));
        } catch (PatternSyntaxException e) {
            throw new RuleException("regex '" + regex + "' is not valid: " + e.getDescription());
        } catch (StackOverflowError e) {
            throw new RuleException("regex is nested too deeply to compile");
        }
    }

    /** {@return whether the regex is found anywhere in {@code input}; an undecided search counts as not found} */
    public boolean find(String input) { return search(input, new java.util.ArrayList<>()) == Truth.TRUE; }

    /**
     * {@return whether the regex is found anywhere in {@code input} (Sigma's regexes are not anchored)}: UNKNOWN when
     * the step budget ran out, or when the value was cut to {@link #MAX_INPUT} and the kept part has no match
     * @param why gets one reason when the answer is UNKNOWN
     */
    public Truth search(String input, java.util.List<String> why) {
        boolean cut = input.length() > MAX_INPUT;
        CharSequence in = new Budgeted(cut ? input.substring(0, MAX_INPUT) : input);
        try {
            if (pattern.matcher(in).find()) return Truth.TRUE;
        } catch (BudgetExceeded | StackOverflowError e) {
            // StackOverflowError: java.util.regex recurses per repetition of some groups on long inputs.
            aborted.incrementAndGet();
            why.add("regex /" + pattern.pattern() + "/ exceeded its budget of " + STEP_BUDGET + " steps on a value of "
                    + input.length() + " characters");
            return Truth.UNKNOWN;
        }
        if (!cut) return Truth.FALSE;
        why.add("regex /" + pattern.pattern() + "/ searched only the first " + MAX_INPUT + " of " + input.length()
                + " characters");
        return Truth.UNKNOWN;
    }

    /** Counted repetitions: refused above MAX_REPEAT (escaped braces and classes may be miscounted: that only refuses). */
    private static void checkRepetitions(String regex) {
        java.util.regex.Matcher m = COUNTED.matcher(regex);
        while (m.find()) {
            for (int g = 1; g <= 2; g++) {
                String n = m.group(g);
                if (n == null || n.isEmpty()) continue;
                if (n.length() > 9 || Integer.parseInt(n) > MAX_REPEAT) {
                    throw new RuleException("regex repeats " + (n.length() > 12 ? n.substring(0, 12) + "..." : n)
                            + " times in '" + m.group() + "'; at most " + MAX_REPEAT + " is allowed");
                }
            }
        }
    }

    /** {@return how many matches were abandoned for exceeding the budget} */
    public long aborted() { return aborted.get(); }

    /** {@return the pattern text} */
    public String pattern() { return pattern.pattern(); }

    /** {@return the Pattern, for building sample values in coverage checks} */
    Pattern compiled() { return pattern; }

    @Override public String toString() { return pattern.pattern(); }

    private static final class BudgetExceeded extends RuntimeException {
        BudgetExceeded() { super(null, null, false, false); }
    }

    /** A CharSequence that stops the matcher once it has read too many characters. */
    private static final class Budgeted implements CharSequence {
        private final String s;
        private final long[] steps;

        Budgeted(String s) { this(s, new long[1]); }
        private Budgeted(String s, long[] steps) { this.s = s; this.steps = steps; }

        @Override public char charAt(int index) {
            if (++steps[0] > STEP_BUDGET) throw new BudgetExceeded();
            return s.charAt(index);
        }
        @Override public int length() { return s.length(); }
        @Override public CharSequence subSequence(int start, int end) { return new Budgeted(s.substring(start, end), steps); }
        @Override public String toString() { return s; }
    }
}
