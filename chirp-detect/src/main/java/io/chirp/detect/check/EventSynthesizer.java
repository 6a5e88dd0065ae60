package io.chirp.detect.check;

import io.chirp.detect.LogSource;
import io.chirp.detect.SigmaEvent;
import io.chirp.detect.eval.CompiledRule;
import io.chirp.detect.eval.FieldCondition;
import io.chirp.detect.eval.ValueMatcher;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Builds events from a rule's own selections so that it must fire, to prove the evaluator end to end: find a set
 * of searches that makes the condition true (fewest first), build an event whose fields satisfy each of those
 * searches (trying the 1st, 2nd, ... value and alternative), and keep the first event the compiled rule really
 * fires on. The compiled rule is the oracle; this class only proposes.
 */
final class EventSynthesizer {
    private static final int MAX_SUBSETS = 64;
    private static final int VARIANTS = 4;
    /** Beyond this many searches, only small subsets are tried (2^n gets large). */
    private static final int FULL_ENUMERATION = 12;

    private EventSynthesizer() { }

    /** A firing event and the searches it was built from. */
    record Positive(SigmaEvent event, Set<String> searches) { }

    /** {@return an event the rule fires on, if one can be built} */
    static Optional<Positive> positive(CompiledRule rule, LogSource source, String keywordField) {
        for (Set<String> subset : satisfyingSubsets(rule)) {
            for (int variant = 0; variant < VARIANTS; variant++) {
                SigmaEvent e = build(rule, subset, variant, source, keywordField);
                if (rule.matches(e)) return Optional.of(new Positive(e, subset));
            }
        }
        return Optional.empty();
    }

    /** {@return the sets of searches that make the condition true when exactly they hold, smallest first} */
    static List<Set<String>> satisfyingSubsets(CompiledRule rule) {
        List<String> names = rule.searchNames();
        int n = names.size();
        int maxSize = n <= FULL_ENUMERATION ? n : 3;
        List<Set<String>> out = new ArrayList<>();
        for (int size = 0; size <= maxSize && out.size() < MAX_SUBSETS; size++) {
            combinations(names, size, 0, new ArrayList<>(), rule, out);
        }
        if (n > FULL_ENUMERATION && out.size() < MAX_SUBSETS) {
            Set<String> all = new TreeSet<>(names);
            if (rule.conditionHoldsFor(all)) out.add(all);
        }
        return out;
    }

    private static void combinations(List<String> names, int size, int from, List<String> chosen, CompiledRule rule,
                                     List<Set<String>> out) {
        if (out.size() >= MAX_SUBSETS) return;
        if (chosen.size() == size) {
            Set<String> s = Set.copyOf(chosen);
            if (rule.conditionHoldsFor(s)) out.add(s);
            return;
        }
        for (int i = from; i < names.size(); i++) {
            chosen.add(names.get(i));
            combinations(names, size, i + 1, chosen, rule, out);
            chosen.removeLast();
        }
    }

    private static SigmaEvent build(CompiledRule rule, Set<String> subset, int variant, LogSource source, String keywordField) {
        Map<String, FieldSample> fields = new LinkedHashMap<>();
        List<FieldCondition> refs = new ArrayList<>();
        for (String name : rule.searchNames()) {
            if (!subset.contains(name)) continue;
            List<List<FieldCondition>> alts = rule.search(name);
            for (FieldCondition c : alts.get(variant % alts.size())) {
                switch (c) {
                    case FieldCondition.Exists x -> fields.computeIfAbsent(x.field(), k -> new FieldSample()).exists(x.expected());
                    case FieldCondition.Keywords k -> addMatchers(fields.computeIfAbsent(keywordField, f -> new FieldSample()),
                            k.matchers(), k.all(), variant, refs, c);
                    case FieldCondition.Values v -> {
                        FieldSample s = fields.computeIfAbsent(v.field(), k -> new FieldSample());
                        if (v.matchesNull() && (v.matchers().isEmpty() || variant % 2 == 1)) s.absent();
                        else addMatchers(s, v.matchers(), v.all(), variant, refs, c);
                    }
                }
            }
        }
        Map<String, Object> values = new LinkedHashMap<>();
        fields.forEach((k, s) -> s.value().ifPresent(v -> values.put(k, v)));
        for (FieldCondition c : refs) {
            // fieldref: make this field equal the other (setting both when the other is not there yet).
            FieldCondition.Values v = (FieldCondition.Values) c;
            for (ValueMatcher m : v.matchers()) {
                if (m instanceof ValueMatcher.FieldRef(String other, var kind, var cased)) {
                    Object o = values.computeIfAbsent(other, k -> "chirp-ref");
                    values.put(v.field(), o);
                }
            }
        }
        return SigmaEvent.of(source, values);
    }

    private static void addMatchers(FieldSample s, List<ValueMatcher> matchers, boolean all, int variant,
                                    List<FieldCondition> refs, FieldCondition c) {
        if (matchers.isEmpty()) return;
        List<ValueMatcher> use = all ? matchers : List.of(matchers.get(variant % matchers.size()));
        for (ValueMatcher m : use) {
            switch (m) {
                case ValueMatcher.Glob g -> s.glob(g.pattern().segments());
                case ValueMatcher.Regex r -> RegexSampler.sample(r.regex().pattern()).ifPresentOrElse(s::middle, s::impossible);
                case ValueMatcher.Cidr cidr -> s.exact(address(cidr.block().network()));
                case ValueMatcher.Compare cmp -> s.exact(switch (cmp.op()) {
                    case GT -> (long) Math.floor(cmp.bound()) + 1;
                    case LT -> (long) Math.ceil(cmp.bound()) - 1;
                    case GTE -> (long) Math.ceil(cmp.bound());
                    case LTE -> (long) Math.floor(cmp.bound());
                });
                case ValueMatcher.FieldRef f -> refs.add(c);
            }
        }
    }

    private static String address(byte[] bytes) {
        try {
            return InetAddress.getByAddress(bytes).getHostAddress();
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);   // only for a bad length, which CidrBlock rules out
        }
    }

    /** What the chosen searches require of one field, merged: exact, or head + middles + tail. */
    private static final class FieldSample {
        private Object exact;
        private boolean absent;
        private boolean impossible;
        private Boolean exists;
        private final StringBuilder head = new StringBuilder();
        private final List<String> middles = new ArrayList<>();
        private final StringBuilder tail = new StringBuilder();

        void exists(boolean expected) { exists = expected; }
        void absent() { absent = true; }
        void impossible() { impossible = true; }
        void exact(Object v) { exact = v; }
        void middle(String m) { middles.add(m); }

        void glob(List<String> segments) {
            if (segments.size() == 1) { exact = segments.getFirst(); return; }
            head.append(segments.getFirst());
            middles.addAll(segments.subList(1, segments.size() - 1));
            tail.insert(0, segments.getLast());
        }

        Optional<Object> value() {
            if (absent || impossible || Boolean.FALSE.equals(exists)) return Optional.empty();
            if (exact != null) return Optional.of(exact);
            String mid = String.join(" ", middles.stream().filter(m -> !m.isEmpty()).toList());
            String v = head + mid + tail;
            if (v.isEmpty() && Boolean.TRUE.equals(exists)) v = "x";
            return Optional.of(v);
        }
    }
}
