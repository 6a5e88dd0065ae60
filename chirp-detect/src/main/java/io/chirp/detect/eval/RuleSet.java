package io.chirp.detect.eval;

import io.chirp.detect.RuleOutcome;
import io.chirp.detect.SigmaEvent;

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
 * <li>each indexed field of the event is folded and scanned once, by an Aho–Corasick automaton (a dense
 *     {@link LiteralAutomaton}; it folds as it scans and allocates nothing on ASCII text) holding the
 *     anchor literals of every rule of the category on that field ({@link RuleAnchors}); a rule whose prefilter
 *     does not hold on the literals found (for no alternative is every anchored condition hit) is certainly "no
 *     match" and is not looked at again;</li>
 * <li>the rules left (those hit, and those without anchors: regex-only selections, keyword searches) are
 *     evaluated as {@link CompiledRule#outcome} does, in rule order, so a match carries the same evidence and
 *     an undecided rule the same reasons as the rule-by-rule evaluator; the searches the scan proved FALSE (a
 *     glob-only condition none of whose literals occurs) are preset FALSE and never looked at again. Regexes thus
 *     run last, and only for rules whose literals are present.</li>
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
            literals += b.literalCount;
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
        return b == null ? List.of() : b.outcomes(event);
    }

    /** The rules of one category and their literal index. */
    private static final class Bucket {
        final CompiledRule[] rules;
        final long[] always;            // rules without a prefilter: evaluated on every event
        // per rule, per search: alternatives (OR) of conditions (AND) of literal ids (OR); null search: unanchored;
        // null rule: always evaluated
        final int[][][][][] formulas;
        // the same with each condition numbered: per rule, per search, per alternative, the ids of its conditions
        final int[][][][] conditions;
        final int[][] conditionsOfLiteral;   // literal id -> the conditions it satisfies
        final int conditionCount;
        final int[][] rulesOfLiteral;   // literal id -> the rules whose prefilter names it
        final String[] fields;          // indexed fields ...
        final LiteralAutomaton[] automata;        // ... and the automaton of each, reporting literal ids
        final int literalCount, anchored;
        final boolean[] conditionMasks;   // per rule: its condition can be checked over a 64-bit mask of searches

        Bucket(List<CompiledRule> list) {
            rules = list.toArray(CompiledRule[]::new);
            always = new long[words(rules.length)];
            formulas = new int[rules.length][][][][];
            Map<RuleAnchors.Anchor, Integer> ids = new LinkedHashMap<>();
            Map<Integer, List<Integer>> ruleLists = new HashMap<>();
            int a = 0;
            for (int i = 0; i < rules.length; i++) {
                Optional<RuleAnchors.Prefilter> pre = RuleAnchors.of(rules[i]);
                if (pre.isEmpty()) {
                    always[i >>> 6] |= 1L << i;
                    continue;
                }
                a++;
                List<List<List<List<RuleAnchors.Anchor>>>> perSearch = pre.get().searches();
                int[][][][] f = new int[perSearch.size()][][][];
                for (int s = 0; s < perSearch.size(); s++) {
                    List<List<List<RuleAnchors.Anchor>>> alts = perSearch.get(s);
                    if (alts == null) continue;
                    f[s] = new int[alts.size()][][];
                    for (int x = 0; x < alts.size(); x++) {
                        f[s][x] = new int[alts.get(x).size()][];
                        for (int y = 0; y < alts.get(x).size(); y++) {
                            f[s][x][y] = alts.get(x).get(y).stream()
                                    .mapToInt(an -> ids.computeIfAbsent(an, k -> ids.size())).toArray();
                        }
                    }
                }
                formulas[i] = f;
                for (RuleAnchors.Anchor an : pre.get().wake()) {
                    List<Integer> rs = ruleLists.computeIfAbsent(ids.get(an), k -> new ArrayList<>());
                    if (!rs.contains(i)) rs.add(i);
                }
            }
            anchored = a;
            literalCount = ids.size();
            rulesOfLiteral = new int[literalCount][];
            java.util.Arrays.fill(rulesOfLiteral, new int[0]);   // literals of searches outside P wake no rule
            ruleLists.forEach((id, rs) -> rulesOfLiteral[id] = rs.stream().mapToInt(Integer::intValue).toArray());
            // Literals are folded already; the automaton folds the text as String.toLowerCase does, the matchers'
            // semantics (folding char by char would not be).
            Map<String, List<String>> lits = new LinkedHashMap<>();
            Map<String, List<Integer>> litIds = new LinkedHashMap<>();
            ids.forEach((an, id) -> {
                lits.computeIfAbsent(an.field(), k -> new ArrayList<>()).add(an.literal());
                litIds.computeIfAbsent(an.field(), k -> new ArrayList<>()).add(id);
            });
            fields = lits.keySet().toArray(String[]::new);
            automata = new LiteralAutomaton[fields.length];
            for (int f = 0; f < fields.length; f++) {
                automata[f] = new LiteralAutomaton(lits.get(fields[f]),
                        litIds.get(fields[f]).stream().mapToInt(Integer::intValue).toArray());
            }
            // Number the conditions, so that a literal found marks the conditions it satisfies once, and an
            // alternative holds when all its conditions are marked (no walk over every condition's literals).
            conditions = new int[rules.length][][][];
            Map<Integer, java.util.Set<Integer>> condLists = new HashMap<>();
            int cid = 0;
            for (int i = 0; i < rules.length; i++) {
                if (formulas[i] == null) continue;
                conditions[i] = new int[formulas[i].length][][];
                for (int s = 0; s < formulas[i].length; s++) {
                    int[][][] alts = formulas[i][s];
                    if (alts == null) continue;
                    conditions[i][s] = new int[alts.length][];
                    for (int x = 0; x < alts.length; x++) {
                        conditions[i][s][x] = new int[alts[x].length];
                        for (int y = 0; y < alts[x].length; y++) {
                            int c = cid++;
                            conditions[i][s][x][y] = c;
                            for (int id : alts[x][y]) condLists.computeIfAbsent(id, k -> new java.util.TreeSet<>()).add(c);
                        }
                    }
                }
            }
            conditionCount = cid;
            conditionsOfLiteral = new int[literalCount][];
            java.util.Arrays.fill(conditionsOfLiteral, new int[0]);
            condLists.forEach((id, cs) -> conditionsOfLiteral[id] = cs.stream().mapToInt(Integer::intValue).toArray());
            conditionMasks = new boolean[rules.length];
            for (int i = 0; i < rules.length; i++) {
                conditionMasks[i] = formulas[i] != null && formulas[i].length <= 64;
            }
        }

        private static int words(int bits) { return (bits + 63) >>> 6; }

        /**
         * {@return the outcomes on the event of the rules whose prefilter holds and of those without one}, in rule
         * order: the event's indexed fields are scanned once each, the woken rules checked in Kleene logic with the
         * searches the scan proved FALSE, and each rule left evaluated with those searches preset to FALSE
         */
        List<RuleOutcome> outcomes(SigmaEvent event) {
            long[] hit = new long[words(literalCount)];
            long[] touched = new long[always.length];
            long[] held = new long[words(conditionCount)];   // conditions with one of their literals found
            LiteralAutomaton.Hits onHit = id -> {
                long bit = 1L << id;
                if ((hit[id >>> 6] & bit) == 0) {
                    hit[id >>> 6] |= bit;
                    for (int r : rulesOfLiteral[id]) touched[r >>> 6] |= 1L << r;
                    for (int c : conditionsOfLiteral[id]) held[c >>> 6] |= 1L << c;
                }
            };
            for (int f = 0; f < fields.length; f++) {
                Object v = event.field(fields[f]);
                if (v == null) continue;
                // The same value forms the matchers compare: EventValues' text of each scalar, folded.
                if (v instanceof String text) {
                    automata[f].scan(text, onHit);
                } else {
                    for (String text : EventValues.texts(v)) automata[f].scan(text, onHit);
                }
            }
            List<RuleOutcome> out = null;
            for (int w = 0; w < touched.length; w++) {
                long bits = touched[w] | always[w];
                while (bits != 0) {
                    int r = (w << 6) + Long.numberOfTrailingZeros(bits);
                    bits &= bits - 1;
                    CompiledRule rule = rules[r];
                    if (!rule.appliesTo(event)) continue;
                    long certainlyFalse = 0;
                    if (formulas[r] != null) {
                        if (!conditionMasks[r]) {
                            if (!possible(r, held)) continue;
                        } else {
                            certainlyFalse = certainlyFalse(conditions[r], held);
                            if (Kleene.test(rule.root(), certainlyFalse) == Truth.FALSE) continue;
                        }
                    }
                    RuleOutcome o = rule.outcomeOrNull(event, certainlyFalse);
                    if (o != null) {
                        if (out == null) out = new ArrayList<>(2);
                        out.add(o);
                    }
                }
            }
            return out == null ? List.of() : out;
        }

        /** {@return the searches (bit i: search i) that are certainly FALSE on the literals found} */
        private static long certainlyFalse(int[][][] searches, long[] held) {
            long mask = 0;
            for (int s = 0; s < searches.length; s++) {
                if (searches[s] != null && !holds(searches[s], held)) mask |= 1L << s;
            }
            return mask;
        }

        /** The rule's condition in Kleene logic: certainly FALSE searches FALSE, the others UNKNOWN; not FALSE (rules of
         * more than 64 searches, which {@link Kleene}'s mask cannot hold). */
        private boolean possible(int r, long[] held) {
            int[][][] searches = conditions[r];
            CompiledRule rule = rules[r];
            Truth[] values = new Truth[searches.length];
            for (int s = 0; s < searches.length; s++) {
                values[s] = searches[s] == null || holds(searches[s], held) ? Truth.UNKNOWN : Truth.FALSE;
            }
            return rule.root().test(Evaluation.preset(rule.searches(), values)) != Truth.FALSE;
        }

        /** Some alternative has every condition held (one of its literals found). */
        private static boolean holds(int[][] alternatives, long[] held) {
            alternatives:
            for (int[] alt : alternatives) {
                for (int c : alt) if ((held[c >>> 6] & (1L << c)) == 0) continue alternatives;
                return true;
            }
            return false;
        }
    }
}
