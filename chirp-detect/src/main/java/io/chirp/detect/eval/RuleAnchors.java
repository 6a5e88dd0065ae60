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
 * <li>A set of searches {@code P} such that the condition is FALSE whenever every search in {@code P} is FALSE,
 *     whatever the others are. It is checked, not assumed: the condition is evaluated in Kleene logic with {@code P}
 *     FALSE and every other search UNKNOWN, and Kleene logic is monotone (a FALSE with unknowns stays FALSE for any
 *     values of them). {@code P} starts as the searches outside any {@code not} and is shrunk greedily, dropping
 *     the searches with the weakest anchors first, so {@code sel_image and sel_regex} anchors on the image alone.</li>
 * <li>A search is FALSE when each alternative is; an alternative (an AND) is FALSE when one of its conditions is.
 *     Per alternative one condition is the anchor: a field compared with glob values only (plain, contains,
 *     startswith, endswith; no null value), which is FALSE when no value of the field contains, for each glob, its
 *     longest literal run in the form the glob compares (folded unless {@code cased}; a {@code cased} run must be
 *     ASCII, whose lower case does not depend on its neighbours, so that it still occurs in the folded value).
 *     With {@code all} one glob is enough; without it, every glob needs a run.</li>
 * </ol>
 * Regexes, CIDR blocks, numeric comparisons, {@code exists}, {@code fieldref} and keyword searches do not anchor;
 * a rule left without anchors is evaluated on every event of its category.
 */
final class RuleAnchors {
    private RuleAnchors() { }

    /** A literal that must occur, folded, in a value of the field. */
    record Anchor(String field, String literal) { }

    /** {@return the anchors of the rule, or empty when it must be evaluated on every event of its category} */
    static Optional<List<Anchor>> of(CompiledRule rule) {
        List<List<List<FieldCondition>>> searches = rule.searches();
        int n = searches.size();
        List<List<Anchor>> perSearch = new ArrayList<>(n);
        int[] quality = new int[n];
        for (int i = 0; i < n; i++) {
            List<Anchor> a = searchAnchors(searches.get(i));
            perSearch.add(a);
            quality[i] = a == null ? -1 : a.stream().mapToInt(x -> x.literal().length()).min().orElse(-1);
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
        List<Anchor> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (!inP[i]) continue;
            if (perSearch.get(i) == null) return Optional.empty();
            for (Anchor a : perSearch.get(i)) if (!out.contains(a)) out.add(a);
        }
        // An empty P would mean a condition that is always FALSE: nothing to anchor on, evaluate it anyway.
        return out.isEmpty() ? Optional.empty() : Optional.of(List.copyOf(out));
    }

    /** Kleene check: searches in P FALSE, the others UNKNOWN; FALSE means "P all FALSE implies no match". */
    private static boolean falseWhenAllFalse(CompiledRule rule, boolean[] inP) {
        Truth[] values = new Truth[inP.length];
        for (int i = 0; i < inP.length; i++) values[i] = inP[i] ? Truth.FALSE : Truth.UNKNOWN;
        return rule.root().test(Evaluation.preset(rule.searches(), values)) == Truth.FALSE;
    }

    /** {@return literals one of which must occur for the search to be anything but FALSE, or null if none can be named} */
    private static List<Anchor> searchAnchors(List<List<FieldCondition>> alternatives) {
        List<Anchor> out = new ArrayList<>();
        for (List<FieldCondition> alt : alternatives) {
            List<Anchor> best = null;
            int bestQuality = -1;
            for (FieldCondition c : alt) {
                List<Anchor> a = conditionAnchors(c);
                if (a == null) continue;
                int q = a.stream().mapToInt(x -> x.literal().length()).min().orElse(-1);
                if (q > bestQuality) { best = a; bestQuality = q; }
            }
            if (best == null) return null;
            out.addAll(best);
        }
        return out;
    }

    /** {@return literals one of which must occur for the condition to hold, or null} */
    private static List<Anchor> conditionAnchors(FieldCondition c) {
        if (!(c instanceof FieldCondition.Values v) || v.matchesNull() || v.matchers().isEmpty()) return null;
        List<Anchor> perMatcher = new ArrayList<>();
        for (ValueMatcher m : v.matchers()) {
            String lit = m instanceof ValueMatcher.Glob(GlobPattern p) ? longestRun(p) : null;
            if (lit == null && !v.all()) return null;   // one glob without a run can match alone
            if (lit != null) perMatcher.add(new Anchor(v.field(), lit));
        }
        if (perMatcher.isEmpty()) return null;
        if (v.all()) {
            // Every glob must match, so the one with the longest run is enough (and the most selective).
            return List.of(perMatcher.stream().max(Comparator.comparingInt(a -> a.literal().length())).orElseThrow());
        }
        return perMatcher;
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
