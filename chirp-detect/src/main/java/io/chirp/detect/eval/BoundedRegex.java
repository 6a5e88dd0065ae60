package io.chirp.detect.eval;

import io.chirp.detect.RuleException;

import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A rule's {@code re} value: a Java regex compiled once and run with a budget. java.util.regex backtracks, so a
 * pattern like {@code (a+)+$} takes exponential time on a hostile value. Rather than guess which patterns are
 * dangerous, every match runs over an input that counts character reads and aborts past {@link #STEP_BUDGET};
 * the input is cut to {@link #MAX_INPUT} characters. An aborted match counts as no match and is tallied in
 * {@link #aborted()} so the operator can see that a rule is too expensive.
 */
public final class BoundedRegex {
    /** Characters of a value a regex looks at; command lines beyond this are rare and the tail seldom matters. */
    public static final int MAX_INPUT = 64 * 1024;
    /** Character reads per match: ~ a few milliseconds of work at worst. */
    public static final long STEP_BUDGET = 2_000_000;

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
        try {
            return new BoundedRegex(Pattern.compile(regex, f));
        } catch (PatternSyntaxException e) {
            throw new RuleException("regex '" + regex + "' is not valid: " + e.getDescription());
        } catch (StackOverflowError e) {
            throw new RuleException("regex is nested too deeply to compile");
        }
    }

    /** {@return whether the regex is found anywhere in {@code input} (Sigma's regexes are not anchored)} */
    public boolean find(String input) {
        CharSequence in = new Budgeted(input.length() > MAX_INPUT ? input.substring(0, MAX_INPUT) : input);
        try {
            return pattern.matcher(in).find();
        } catch (BudgetExceeded | StackOverflowError e) {
            // StackOverflowError: java.util.regex recurses per repetition of some groups on long inputs.
            aborted.incrementAndGet();
            return false;
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
