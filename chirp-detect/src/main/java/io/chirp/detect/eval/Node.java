package io.chirp.detect.eval;

import java.util.List;

/**
 * A compiled condition: the {@link io.chirp.detect.condition.Condition} tree with identifiers resolved to indexes
 * of the rule's searches and quantifiers expanded, evaluated in three-valued logic against a per-event memo of
 * search results.
 */
sealed interface Node {

    /** {@return the value of this node, evaluating searches through {@code ctx} (each at most once)} */
    Truth test(Evaluation ctx);

    record Search(int index) implements Node {
        @Override public Truth test(Evaluation ctx) { return ctx.search(index); }
    }

    record And(List<Node> operands) implements Node {
        public And { operands = List.copyOf(operands); }
        @Override public Truth test(Evaluation ctx) {
            Truth r = Truth.TRUE;
            for (Node n : operands) {
                r = r.and(n.test(ctx));
                if (r == Truth.FALSE) return r;
            }
            return r;
        }
    }

    record Or(List<Node> operands) implements Node {
        public Or { operands = List.copyOf(operands); }
        @Override public Truth test(Evaluation ctx) {
            Truth r = Truth.FALSE;
            for (Node n : operands) {
                r = r.or(n.test(ctx));
                if (r == Truth.TRUE) return r;
            }
            return r;
        }
    }

    record Not(Node operand) implements Node {
        @Override public Truth test(Evaluation ctx) { return operand.test(ctx).not(); }
    }

    /** At least {@code count} of the searches hold (all of them when count equals their number). */
    record AtLeast(int count, List<Integer> indexes) implements Node {
        public AtLeast { indexes = List.copyOf(indexes); }
        @Override public Truth test(Evaluation ctx) {
            int hits = 0, unknown = 0, left = indexes.size();
            for (int i : indexes) {
                Truth t = ctx.search(i);
                if (t == Truth.TRUE) hits++;
                else if (t == Truth.UNKNOWN) unknown++;
                left--;
                if (hits >= count) return Truth.TRUE;
                if (hits + unknown + left < count) return Truth.FALSE;
            }
            return Truth.UNKNOWN;   // hits < count <= hits + unknown
        }
    }
}
