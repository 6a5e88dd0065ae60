package io.chirp.detect.eval;

import io.chirp.detect.SigmaEvent;

import java.util.ArrayList;
import java.util.List;

/**
 * One rule evaluated on one event: memoises each search so a search named twice in a condition, or looked at
 * again for evidence, is computed once. A search is an OR of alternatives, each an AND of field conditions, in
 * three-valued logic ({@link Truth}); the reasons of every UNKNOWN met on the way are collected for the outcome.
 */
final class Evaluation {
    private final SigmaEvent event;
    private final List<List<List<FieldCondition>>> searches;
    private final Truth[] memo;   // null: not computed yet
    private final List<String> reasons = new ArrayList<>(0);

    Evaluation(SigmaEvent event, List<List<List<FieldCondition>>> searches) {
        this.event = event;
        this.searches = searches;
        this.memo = new Truth[searches.size()];
    }

    /**
     * An evaluation where the searches in {@code certainlyFalse} (bit i: search i) are FALSE without being looked
     * at: {@link RuleSet}'s prefilter proved them FALSE (a glob-only condition none of whose literals occurs), so
     * the outcome is the same as computing them.
     */
    Evaluation(SigmaEvent event, List<List<List<FieldCondition>>> searches, long certainlyFalse) {
        this(event, searches);
        for (long bits = certainlyFalse; bits != 0; bits &= bits - 1) memo[Long.numberOfTrailingZeros(bits)] = Truth.FALSE;
    }

    /** {@return an evaluation with no event where exactly the searches in {@code trueSearches} hold} */
    static Evaluation assuming(List<List<List<FieldCondition>>> searches, java.util.function.IntPredicate trueSearches) {
        Evaluation e = new Evaluation(null, searches);
        for (int i = 0; i < e.memo.length; i++) e.memo[i] = Truth.of(trueSearches.test(i));
        return e;
    }

    /** {@return an evaluation with no event where the searches have the given values (three-valued)} */
    static Evaluation preset(List<List<List<FieldCondition>>> searches, Truth[] values) {
        Evaluation e = new Evaluation(null, searches);
        System.arraycopy(values, 0, e.memo, 0, e.memo.length);
        return e;
    }

    SigmaEvent event() { return event; }

    /** {@return why searches were UNKNOWN, in the order they were met} */
    List<String> reasons() { return List.copyOf(reasons); }

    Truth search(int index) {
        if (memo[index] == null) memo[index] = compute(searches.get(index));
        return memo[index];
    }

    /** {@return the alternative of a search that holds, or null} */
    List<FieldCondition> matchingAlternative(int index) {
        for (List<FieldCondition> alt : searches.get(index)) if (all(alt) == Truth.TRUE) return alt;
        return null;
    }

    private Truth compute(List<List<FieldCondition>> anyOf) {
        Truth r = Truth.FALSE;
        for (List<FieldCondition> alt : anyOf) {
            r = r.or(all(alt));
            if (r == Truth.TRUE) return r;
        }
        return r;
    }

    private Truth all(List<FieldCondition> conds) {
        Truth r = Truth.TRUE;
        for (FieldCondition c : conds) {
            r = r.and(c.truth(event, reasons));
            if (r == Truth.FALSE) return r;
        }
        return r;
    }
}
