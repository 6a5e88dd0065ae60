package io.chirp.detect.eval;

import io.chirp.detect.Detection;
import io.chirp.detect.RuleOutcome;
import io.chirp.detect.SigmaEvent;
import io.chirp.detect.rule.SigmaRule;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A rule compiled once into a predicate over events. Thread-safe: evaluation state lives in a per-call
 * {@link Evaluation}, so one compiled rule serves every VM's monitor at once.
 */
public final class CompiledRule {
    private final SigmaRule rule;
    private final List<String> searchNames;
    private final List<List<List<FieldCondition>>> searches;
    private final Node root;
    private final Set<Integer> positive;

    CompiledRule(SigmaRule rule, List<String> searchNames, List<List<List<FieldCondition>>> searches, Node root,
                 Set<Integer> positive) {
        this.rule = rule;
        this.searchNames = List.copyOf(searchNames);
        this.searches = searches;
        this.root = root;
        this.positive = Set.copyOf(positive);
    }

    /** {@return the rule this was compiled from} */
    public SigmaRule rule() { return rule; }

    /** {@return whether the rule's log source covers the event's} */
    public boolean appliesTo(SigmaEvent event) { return rule.logSource().covers(event.logSource()); }

    /** {@return whether the rule fires on the event (false when its log source does not apply, or undecided)} */
    public boolean matches(SigmaEvent event) {
        return appliesTo(event) && root.test(new Evaluation(event, searches)) == Truth.TRUE;
    }

    /** {@return the detection when the rule fires on the event, with the selections and fields that made it fire} */
    public Optional<Detection> evaluate(SigmaEvent event) {
        return outcome(event) instanceof RuleOutcome.Match m ? Optional.of(m.detection()) : Optional.empty();
    }

    /**
     * {@return what the rule makes of the event: a match with its evidence, no match (also when its log source does
     * not apply), or undecided with the reasons (a regex out of budget that the rest of the condition does not settle)}
     */
    public RuleOutcome outcome(SigmaEvent event) {
        RuleOutcome o = appliesTo(event) ? outcomeOrNull(event, 0) : null;
        return o != null ? o : new RuleOutcome.NoMatch(rule.id());
    }

    /**
     * {@link #outcome} for {@link RuleSet}, which has checked the log source: null for no match, and the searches
     * in {@code certainlyFalse} (bit i: search i) taken as FALSE unevaluated (the prefilter proved them FALSE).
     */
    RuleOutcome outcomeOrNull(SigmaEvent event, long certainlyFalse) {
        Evaluation ctx = new Evaluation(event, searches, certainlyFalse);
        Truth t = root.test(ctx);
        if (t == Truth.FALSE) return null;
        if (t == Truth.UNKNOWN) {
            return new RuleOutcome.Undecided(rule.id(), rule.title(), rule.levelOrDefault(), rule.tags(), event, ctx.reasons());
        }
        List<String> selections = new ArrayList<>();
        List<Detection.MatchedField> matched = new ArrayList<>();
        for (int i = 0; i < searches.size(); i++) {
            // Only searches that count for the rule (not under a 'not') are evidence; a true filter is not.
            if (!positive.contains(i) || ctx.search(i) != Truth.TRUE) continue;
            String name = searchNames.get(i);
            selections.add(name);
            List<FieldCondition> alt = ctx.matchingAlternative(i);
            if (alt == null) continue;
            for (FieldCondition c : alt) {
                c.evidence(event).ifPresent(v -> matched.add(new Detection.MatchedField(name, c.spec().key(), v)));
            }
        }
        return new RuleOutcome.Match(new Detection(rule.id(), rule.title(), rule.levelOrDefault(), rule.tags(), event,
                selections, matched));
    }

    /** The condition tree, for {@link RuleSet}'s analysis of which searches must hold. */
    Node root() { return root; }

    /** The compiled searches by index: alternatives (OR) of field conditions (AND). */
    List<List<List<FieldCondition>>> searches() { return searches; }

    /** The indexes of searches that occur outside any 'not'. */
    Set<Integer> positive() { return positive; }

    /** {@return the names of the search identifiers, in rule order} */
    public List<String> searchNames() { return searchNames; }

    /** {@return the compiled field conditions of a search: alternatives (OR) of conditions (AND)} */
    public List<List<FieldCondition>> search(String name) {
        int i = searchNames.indexOf(name);
        if (i < 0) throw new IllegalArgumentException("no search " + name);
        return searches.get(i);
    }

    /**
     * {@return whether the condition holds when exactly the named searches are true}; coverage checks use it to find
     * which selections must hold for a rule to fire before building an event for them
     */
    public boolean conditionHoldsFor(Set<String> trueSearches) {
        return root.test(Evaluation.assuming(searches, i -> trueSearches.contains(searchNames.get(i)))) == Truth.TRUE;
    }

    @Override public String toString() { return rule.id() + " " + rule.title(); }
}
