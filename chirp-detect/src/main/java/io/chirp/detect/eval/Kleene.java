package io.chirp.detect.eval;

/**
 * A rule's condition in Kleene logic when each search is either certainly FALSE or UNKNOWN, given as a 64-bit
 * mask of the FALSE ones: {@link RuleSet}'s check of a woken rule, without the per-event {@link Evaluation} it would
 * otherwise need. The same values as {@code root.test(Evaluation.preset(...))} with FALSE for the searches in the
 * mask and UNKNOWN for the others (each node's rules below mirror {@link Node}'s).
 */
final class Kleene {
    private Kleene() { }

    /** {@return the condition's value with the searches in {@code certainlyFalse} FALSE and the others UNKNOWN} */
    static Truth test(Node n, long certainlyFalse) {
        return switch (n) {
            case Node.Search s -> (certainlyFalse >>> s.index() & 1) != 0 ? Truth.FALSE : Truth.UNKNOWN;
            case Node.And a -> {
                Truth r = Truth.TRUE;
                for (Node o : a.operands()) {
                    r = r.and(test(o, certainlyFalse));
                    if (r == Truth.FALSE) break;
                }
                yield r;
            }
            case Node.Or o -> {
                Truth r = Truth.FALSE;
                for (Node x : o.operands()) {
                    r = r.or(test(x, certainlyFalse));
                    if (r == Truth.TRUE) break;
                }
                yield r;
            }
            case Node.Not x -> test(x.operand(), certainlyFalse).not();
            case Node.AtLeast q -> {
                // no search is TRUE here: the count is reached only if enough may still be (UNKNOWN)
                int unknown = 0;
                for (int i : q.indexes()) if ((certainlyFalse >>> i & 1) == 0) unknown++;
                if (q.indexes().isEmpty()) yield Truth.UNKNOWN;   // as Node.AtLeast: its loop never decides
                yield q.count() <= 0 ? Truth.TRUE : unknown >= q.count() ? Truth.UNKNOWN : Truth.FALSE;
            }
        };
    }
}
