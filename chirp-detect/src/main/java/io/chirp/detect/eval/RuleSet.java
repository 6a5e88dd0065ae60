package io.chirp.detect.eval;

import io.chirp.detect.RuleOutcome;
import io.chirp.detect.SigmaEvent;
import org.ahocorasick.trie.PayloadTrie;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A rule set compiled as a whole: the rules of each log source category, with every literal they need indexed by
 * the field it is looked for in. One event is handled in two steps:
 * <ol>
 * <li>each indexed field of the event is folded once and scanned once, by an Aho–Corasick automaton holding the
 *     anchor literals of every rule of the category on that field ({@link RuleAnchors}); a rule none of whose
 *     anchors occurs is certainly "no match" and is not looked at again;</li>
 * <li>the rules left (those hit, and those without anchors: regex-only selections, keyword searches) are
 *     evaluated by their own {@link CompiledRule#outcome}, in rule order, so a match carries the same evidence and
 *     an undecided rule the same reasons as the rule-by-rule evaluator. Regexes thus run last, and only for rules
 *     whose literals are present.</li>
 * </ol>
 *
 * <p>The rule-by-rule evaluator stays the reference: {@code RuleSetDifferentialTest} holds this class to the same
 * outcomes on every SigmaHQ Linux rule and CHIRP's shipped rules. Immutable and thread-safe (the automata are
 * read-only after construction; per-event state is local).
 */
public final class RuleSet {
    private final List<CompiledRule> rules;
    private final Map<String, Bucket> byCategory;
    private final Stats stats;

    /** How much of the set the prefilter covers: for benchmarks and the operator. */
    public record Stats(int rules, int anchored, int literals, int fields) { }

    private RuleSet(List<CompiledRule> rules) {
        this.rules = List.copyOf(rules);
        Map<String, List<CompiledRule>> grouped = new LinkedHashMap<>();
        for (CompiledRule r : this.rules) {
            // A rule without a category (syslog keywords, auditd) is for logs CHIRP does not produce; see Detector.
            String c = r.rule().logSource().category();
            if (c != null) grouped.computeIfAbsent(c, k -> new ArrayList<>()).add(r);
        }
        Map<String, Bucket> buckets = new HashMap<>();
        int anchored = 0, literals = 0, fields = 0;
        for (Map.Entry<String, List<CompiledRule>> e : grouped.entrySet()) {
            Bucket b = new Bucket(e.getValue());
            buckets.put(e.getKey(), b);
            anchored += b.anchored;
            literals += b.literals;
            fields += b.fields.length;
        }
        this.byCategory = Map.copyOf(buckets);
        this.stats = new Stats(this.rules.size(), anchored, literals, fields);
    }

    /** {@return the rule set over the compiled rules} */
    public static RuleSet of(Collection<CompiledRule> rules) { return new RuleSet(List.copyOf(rules)); }

    /** {@return the rules, in the order given} */
    public List<CompiledRule> rules() { return rules; }

    /** {@return how many rules the prefilter covers, and with how many literals on how many fields} */
    public Stats stats() { return stats; }

    /**
     * {@return the outcome of every rule of the event's category that fires on it or could not be evaluated on it},
     * in rule order; rules that do not fire are left out, as in {@code Detector.outcomes}
     */
    public List<RuleOutcome> outcomes(SigmaEvent event) {
        String c = event.logSource().category();
        Bucket b = c == null ? null : byCategory.get(c);
        if (b == null) return List.of();
        long[] candidates = b.candidates(event);
        List<RuleOutcome> out = new ArrayList<>(2);
        for (int w = 0; w < candidates.length; w++) {
            long bits = candidates[w];
            while (bits != 0) {
                int i = (w << 6) + Long.numberOfTrailingZeros(bits);
                bits &= bits - 1;
                RuleOutcome o = b.rules[i].outcome(event);
                if (!(o instanceof RuleOutcome.NoMatch)) out.add(o);
            }
        }
        return out;
    }

    /** The rules of one category and their literal index. */
    private static final class Bucket {
        final CompiledRule[] rules;
        final long[] always;            // rules without anchors: evaluated on every event
        final String[] fields;          // indexed fields ...
        final List<PayloadTrie<int[]>> tries;   // ... and the automaton of each; payload: the rules a literal anchors
        final int anchored, literals;

        Bucket(List<CompiledRule> list) {
            rules = list.toArray(CompiledRule[]::new);
            always = new long[(rules.length + 63) >>> 6];
            Map<String, Map<String, List<Integer>>> byField = new LinkedHashMap<>();
            int a = 0;
            for (int i = 0; i < rules.length; i++) {
                Optional<List<RuleAnchors.Anchor>> anchors = RuleAnchors.of(rules[i]);
                if (anchors.isEmpty()) {
                    always[i >>> 6] |= 1L << i;
                    continue;
                }
                a++;
                for (RuleAnchors.Anchor an : anchors.get()) {
                    List<Integer> ids = byField.computeIfAbsent(an.field(), k -> new LinkedHashMap<>())
                            .computeIfAbsent(an.literal(), k -> new ArrayList<>());
                    if (!ids.contains(i)) ids.add(i);
                }
            }
            anchored = a;
            fields = byField.keySet().toArray(String[]::new);
            tries = new ArrayList<>(fields.length);
            int lits = 0;
            for (String f : fields) {
                PayloadTrie.PayloadTrieBuilder<int[]> t = PayloadTrie.builder();
                for (Map.Entry<String, List<Integer>> lit : byField.get(f).entrySet()) {
                    // Literals are folded already and the text is folded before the scan: the library's own
                    // ignoreCase folds char by char, which is not String.toLowerCase, the matchers' semantics.
                    t.addKeyword(lit.getKey(), lit.getValue().stream().mapToInt(Integer::intValue).toArray());
                    lits++;
                }
                tries.add(t.build());
            }
            literals = lits;
        }

        /** {@return the rules to evaluate on the event, as a bit set over {@link #rules}} */
        long[] candidates(SigmaEvent event) {
            long[] bits = always.clone();
            for (int f = 0; f < fields.length; f++) {
                Object v = event.field(fields[f]);
                if (v == null) continue;
                PayloadTrie<int[]> trie = tries.get(f);
                // The same value forms the matchers compare: EventValues' text of each scalar, folded.
                for (String text : EventValues.texts(v)) {
                    trie.parseText(GlobPattern.fold(text), emit -> {
                        for (int i : emit.getPayload()) bits[i >>> 6] |= 1L << i;
                        return true;
                    });
                }
            }
            return bits;
        }
    }
}
