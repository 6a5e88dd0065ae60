package io.chirp.detect.eval;

import io.chirp.detect.RuleException;
import io.chirp.detect.condition.Condition;
import io.chirp.detect.condition.ConditionParser;
import io.chirp.detect.rule.FieldSpec;
import io.chirp.detect.rule.Search;
import io.chirp.detect.rule.SigmaRule;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Compiles a {@link SigmaRule}: each field condition through {@link FieldCompiler}, each condition through
 * {@link ConditionParser}, identifiers resolved (an unknown identifier, or a pattern naming none, is an error,
 * since such a rule cannot be what its author meant).
 */
public final class RuleCompiler {
    private RuleCompiler() { }

    /** {@return the compiled rule} @throws RuleException if any part of the detection cannot be compiled */
    public static CompiledRule compile(SigmaRule rule) {
        // A timeframe without an aggregation changes nothing for single events; aggregations fail in the parser.
        List<String> names = new ArrayList<>(rule.detection().searches().keySet());
        List<List<List<FieldCondition>>> searches = new ArrayList<>();
        for (Search s : rule.detection().searches().values()) {
            List<List<FieldCondition>> alts = new ArrayList<>();
            for (List<FieldSpec> alt : s.anyOf()) {
                List<FieldCondition> conds = new ArrayList<>();
                for (FieldSpec spec : alt) {
                    try {
                        conds.add(FieldCompiler.compile(spec));
                    } catch (RuleException e) {
                        throw new RuleException("search '" + s.name() + "': " + e.getMessage());
                    }
                }
                alts.add(List.copyOf(conds));
            }
            searches.add(List.copyOf(alts));
        }
        List<Node> roots = new ArrayList<>();
        Set<Integer> positive = new HashSet<>();
        for (String text : rule.detection().conditions()) {
            roots.add(resolve(ConditionParser.parse(text), names, text, true, positive));
        }
        Node root = roots.size() == 1 ? roots.getFirst() : new Node.Or(roots);
        return new CompiledRule(rule, names, List.copyOf(searches), root, positive);
    }

    private static Node resolve(Condition c, List<String> names, String text, boolean polarity, Set<Integer> positive) {
        return switch (c) {
            case Condition.Ref(String name) -> {
                int i = names.indexOf(name);
                if (i < 0) throw new RuleException("condition '" + text + "' names '" + name + "', which the detection does not define");
                if (polarity) positive.add(i);
                yield new Node.Search(i);
            }
            case Condition.And(List<Condition> ops) -> new Node.And(ops.stream().map(o -> resolve(o, names, text, polarity, positive)).toList());
            case Condition.Or(List<Condition> ops) -> new Node.Or(ops.stream().map(o -> resolve(o, names, text, polarity, positive)).toList());
            case Condition.Not(Condition op) -> new Node.Not(resolve(op, names, text, !polarity, positive));
            case Condition.Of of -> {
                List<Integer> idx = new ArrayList<>();
                for (int i = 0; i < names.size(); i++) if (of.covers(names.get(i))) idx.add(i);
                String what = of.pattern() == null ? "them" : of.pattern();
                if (idx.isEmpty()) throw new RuleException("condition '" + text + "': '" + what + "' matches no search identifier");
                if (polarity) positive.addAll(idx);
                int count = of.count() == Condition.Of.ALL ? idx.size() : of.count();
                if (count > idx.size()) throw new RuleException("condition '" + text + "' asks for " + count + " of " + idx.size() + " identifiers");
                yield new Node.AtLeast(count, idx);
            }
        };
    }
}
