package io.chirp.detect.eval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Which literals an event must contain for a rule to be worth evaluating: the analysis behind {@link RuleSet}'s
 * one-pass prefilter. The result is a necessary condition, never a sufficient one: when none of a rule's anchors
 * occurs in the event, the rule's outcome is certainly "no match" (not undecided); when one does, the rule is
 * evaluated in full by its own {@link CompiledRule#outcome}, so outcomes, evidence and reasons stay those of the
 * rule-by-rule evaluator.
 *
 * <p>How the necessary condition is found:
 * <ol>
 * <li>Once per rule, a set of searches {@code P} such that the condition is FALSE whenever every search in {@code P} is FALSE,
 *     whatever the others are. It is checked, not assumed: the condition is evaluated in Kleene logic with {@code P}
 *     FALSE and every other search UNKNOWN, and Kleene logic is monotone (a FALSE with unknowns stays FALSE for any
 *     values of them). {@code P} starts as the searches outside any {@code not} and is shrunk greedily, dropping
 *     the searches with the weakest anchors first, so {@code sel_image and sel_regex} anchors on the image alone.</li>
 * <li>Per event, a search is certainly FALSE when each alternative is; an alternative (an AND) is FALSE when one of its conditions is.
 *     The anchored conditions of an alternative are those comparing a field with glob values only (plain,
 *     contains, startswith, endswith; no null value): such a condition is FALSE when no value of the field
 *     contains, for each glob, its longest literal run in the form the glob compares (folded unless {@code cased};
 *     a {@code cased} run must be ASCII, whose lower case does not depend on its neighbours, so that it still
 *     occurs in the folded value). Without {@code all} every glob needs a run; with it, each glob's run is a
 *     conjunct of its own. An alternative needs every anchored condition hit ({@code Image|endswith: /find} and
 *     {@code CommandLine|contains: /bin/sh} both), which keeps common literals from waking many rules.</li>
 * <li>A rule one of whose {@code P} anchors occurs is then checked once more, in Kleene logic, with every search
 *     that is certainly FALSE as FALSE and every other as UNKNOWN: {@code all of selection_*} needs every
 *     selection's literals, {@code selection and not filter} only the selection's.</li>
 * </ol>
 * Regexes, CIDR blocks, numeric comparisons, {@code exists}, {@code fieldref} and keyword searches do not anchor;
 * a rule left without anchors is evaluated on every event of its category.
 */
final class RuleAnchors {
    private RuleAnchors() { }

    /** A literal that must occur, folded, in a value of the field. */
    record Anchor(String field, String literal) { }

    /**
     * The necessary conditions of one rule. A search is certainly FALSE on an event when, for each of its
     * alternatives, some anchored condition has none of its anchors in the event; the rule is certainly "no match"
     * when its condition is FALSE in Kleene logic with those searches FALSE and every other search UNKNOWN.
     *
     * @param searches per search of the rule: alternatives (OR) of anchored conditions (AND) of anchors (OR), or
     *                 null for a search with an alternative that has no anchored condition
     * @param wake     the anchors of the searches in P: without one of them in the event the rule is not looked at
     */
    record Prefilter(List<List<List<List<Anchor>>>> searches, List<Anchor> wake) {
        Prefilter {
            searches = java.util.Collections.unmodifiableList(new ArrayList<>(searches));   // nulls allowed
            wake = List.copyOf(wake);
        }
    }

    /** {@return the prefilter of the rule, or empty when it must be evaluated on every event of its category} */
    static Optional<Prefilter> of(CompiledRule rule) {
        List<List<List<FieldCondition>>> searches = rule.searches();
        int n = searches.size();
        List<List<List<List<Anchor>>>> perSearch = new ArrayList<>(n);
        int[] quality = new int[n];
        for (int i = 0; i < n; i++) {
            List<List<List<Anchor>>> a = searchAnchors(searches.get(i));
            perSearch.add(a);
            quality[i] = a == null ? -1 : a.stream().flatMap(List::stream).flatMap(List::stream)
                    .mapToInt(x -> x.literal().length()).min().orElse(-1);
        }
        boolean[] inP = new boolean[n];
        for (int i : rule.positive()) inP[i] = true;
        if (!falseWhenAllFalse(rule, inP)) return Optional.empty();
        // Drop the weakest first: unanchorable searches (-1), then the shortest literals.
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) order[i] = i;
        Arrays.sort(order, Comparator.comparingInt(i -> quality[i]));
        for (int i : order) {
            if (!inP[i]) continue;
            inP[i] = false;
            if (!falseWhenAllFalse(rule, inP)) inP[i] = true;
        }
        List<Anchor> wake = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (!inP[i]) continue;
            if (perSearch.get(i) == null) return Optional.empty();
            for (List<List<Anchor>> alt : perSearch.get(i)) {
                for (List<Anchor> c : alt) for (Anchor a : c) if (!wake.contains(a)) wake.add(a);
            }
        }
        // An empty P would mean a condition that is always FALSE: nothing to anchor on, evaluate it anyway.
        return wake.isEmpty() ? Optional.empty() : Optional.of(new Prefilter(perSearch, wake));
    }

    /** Kleene check: searches in P FALSE, the others UNKNOWN; FALSE means "P all FALSE implies no match". */
    private static boolean falseWhenAllFalse(CompiledRule rule, boolean[] inP) {
        Truth[] values = new Truth[inP.length];
        for (int i = 0; i < inP.length; i++) values[i] = inP[i] ? Truth.FALSE : Truth.UNKNOWN;
        return rule.root().test(Evaluation.preset(rule.searches(), values)) == Truth.FALSE;
    }

    /**
     * {@return per alternative, the anchored conditions (each an OR of anchors) that must all hold for it to be
     * anything but FALSE; null if an alternative has no anchored condition at all}
     */
    private static List<List<List<Anchor>>> searchAnchors(List<List<FieldCondition>> alternatives) {
        List<List<List<Anchor>>> out = new ArrayList<>();
        for (List<FieldCondition> alt : alternatives) {
            List<List<Anchor>> conds = new ArrayList<>();
            for (FieldCondition c : alt) conds.addAll(conditionAnchors(c));
            if (conds.isEmpty()) return null;
            out.add(conds);
        }
        return out;
    }

    /**
     * {@return the anchored conjuncts of one condition: none when it cannot be anchored; one OR of a literal per
     * glob without {@code all}; one single-literal conjunct per glob with {@code all} (every glob must match)}
     */
    private static List<List<Anchor>> conditionAnchors(FieldCondition c) {
        if (!(c instanceof FieldCondition.Values v) || v.matchesNull() || v.matchers().isEmpty()) return List.of();
        List<Anchor> perMatcher = new ArrayList<>();
        for (ValueMatcher m : v.matchers()) {
            String lit = m instanceof ValueMatcher.Glob(GlobPattern p) ? longestRun(p) : null;
            if (lit == null && !v.all()) return List.of();   // one glob without a run can match alone
            if (lit != null) perMatcher.add(new Anchor(v.field(), lit));
        }
        if (v.all()) return perMatcher.stream().map(List::of).toList();
        return perMatcher.isEmpty() ? List.of() : List.of(perMatcher);
    }

    private static String longestRun(GlobPattern p) {
        String best = null;
        for (String run : p.literalRuns()) {
            if (p.caseSensitive()) {
                if (!run.chars().allMatch(ch -> ch < 0x80)) continue;
                run = GlobPattern.fold(run);
            }
            if (best == null || run.length() > best.length()) best = run;
        }
        return best;
    }
}
