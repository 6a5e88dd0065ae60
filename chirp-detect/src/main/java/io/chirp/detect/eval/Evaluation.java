package io.chirp.detect.eval;

import io.chirp.detect.SigmaEvent;

import java.util.List;

/**
 * One rule evaluated on one event: memoises each search so a search named twice in a condition, or looked at
 * again for evidence, is computed once. A search is an OR of alternatives, each an AND of field conditions.
 */
final class Evaluation {
    private final SigmaEvent event;
    private final List<List<List<FieldCondition>>> searches;
    private final byte[] memo;   // 0 unknown, 1 false, 2 true

    Evaluation(SigmaEvent event, List<List<List<FieldCondition>>> searches) {
        this.event = event;
        this.searches = searches;
        this.memo = new byte[searches.size()];
    }

    /** {@return an evaluation with no event where exactly the searches in {@code trueSearches} hold} */
    static Evaluation assuming(List<List<List<FieldCondition>>> searches, java.util.function.IntPredicate trueSearches) {
        Evaluation e = new Evaluation(null, searches);
        for (int i = 0; i < e.memo.length; i++) e.memo[i] = (byte) (trueSearches.test(i) ? 2 : 1);
        return e;
    }

    SigmaEvent event() { return event; }

    boolean search(int index) {
        if (memo[index] == 0) memo[index] = (byte) (compute(searches.get(index)) ? 2 : 1);
        return memo[index] == 2;
    }

    /** {@return the alternative of a search that holds, or null} */
    List<FieldCondition> matchingAlternative(int index) {
        for (List<FieldCondition> alt : searches.get(index)) if (all(alt)) return alt;
        return null;
    }

    private boolean compute(List<List<FieldCondition>> anyOf) {
        for (List<FieldCondition> alt : anyOf) if (all(alt)) return true;
        return false;
    }

    private boolean all(List<FieldCondition> conds) {
        for (FieldCondition c : conds) if (!c.test(event)) return false;
        return true;
    }
}
