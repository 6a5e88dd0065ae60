package io.chirp.detect.eval;

import java.util.List;

/**
 * A compiled condition: the {@link io.chirp.detect.condition.Condition} tree with identifiers resolved to indexes
 * of the rule's searches and quantifiers expanded, evaluated against a per-event memo of search results.
 */
sealed interface Node {

    /** {@return the value of this node, evaluating searches through {@code ctx} (each at most once)} */
    boolean test(Evaluation ctx);

    record Search(int index) implements Node {
        @Override public boolean test(Evaluation ctx) { return ctx.search(index); }
    }

    record And(List<Node> operands) implements Node {
        public And { operands = List.copyOf(operands); }
        @Override public boolean test(Evaluation ctx) {
            for (Node n : operands) if (!n.test(ctx)) return false;
            return true;
        }
    }

    record Or(List<Node> operands) implements Node {
        public Or { operands = List.copyOf(operands); }
        @Override public boolean test(Evaluation ctx) {
            for (Node n : operands) if (n.test(ctx)) return true;
            return false;
        }
    }

    record Not(Node operand) implements Node {
        @Override public boolean test(Evaluation ctx) { return !operand.test(ctx); }
    }

    /** At least {@code count} of the searches hold (all of them when count equals their number). */
    record AtLeast(int count, List<Integer> indexes) implements Node {
        public AtLeast { indexes = List.copyOf(indexes); }
        @Override public boolean test(Evaluation ctx) {
            int hits = 0, left = indexes.size();
            for (int i : indexes) {
                if (ctx.search(i)) hits++;
                left--;
                if (hits >= count) return true;
                if (hits + left < count) return false;
            }
            return hits >= count;
        }
    }
}
