package io.chirp.detect.eval;

import io.chirp.detect.SigmaEvent;
import io.chirp.detect.rule.FieldSpec;

import java.util.List;
import java.util.Optional;

/** One compiled field condition of a selection: a predicate over an event, with evidence when it holds. */
public sealed interface FieldCondition {

    /** {@return the condition as written in the rule} */
    FieldSpec spec();

    /** {@return whether the event satisfies the condition (an undecided condition does not)} */
    boolean test(SigmaEvent event);

    /**
     * {@return whether the event satisfies the condition, UNKNOWN when a regex could not decide}
     * @param why gets one reason per undecided value, naming the rule's field
     */
    Truth truth(SigmaEvent event, List<String> why);

    /** {@return the event value that satisfied the condition, when it did (for a detection's evidence)} */
    Optional<String> evidence(SigmaEvent event);

    /** {@code Field|exists: true|false}. */
    record Exists(FieldSpec spec, String field, boolean expected) implements FieldCondition {
        @Override public boolean test(SigmaEvent event) { return present(event.field(field)) == expected; }
        @Override public Truth truth(SigmaEvent event, List<String> why) { return Truth.of(test(event)); }
        @Override public Optional<String> evidence(SigmaEvent event) {
            return test(event) ? Optional.of(expected ? EventValues.texts(event.field(field)).toString() : "(absent)") : Optional.empty();
        }
    }

    /**
     * A field compared with values: any value matches (or every one, with {@code all}). A null among the rule's
     * values matches an event without the field.
     */
    record Values(FieldSpec spec, String field, List<ValueMatcher> matchers, boolean all, boolean matchesNull)
            implements FieldCondition {
        public Values { matchers = List.copyOf(matchers); }

        @Override public boolean test(SigmaEvent event) { return evidence(event).isPresent(); }

        @Override public Truth truth(SigmaEvent event, List<String> why) {
            Object v = event.field(field);
            if (!present(v)) return Truth.of(matchesNull && !all);
            if (v instanceof String s) return combineOne(matchers, all, s, event, spec, why);
            List<String> texts = EventValues.texts(v);
            return combine(matchers, all, texts, event, spec, why);
        }

        @Override public Optional<String> evidence(SigmaEvent event) {
            Object v = event.field(field);
            if (!present(v)) return matchesNull && !all ? Optional.of("(absent)") : Optional.empty();
            List<String> texts = EventValues.texts(v);
            String hit = null;
            for (ValueMatcher m : matchers) {
                String found = null;
                for (String t : texts) if (m.test(t, event)) { found = t; break; }
                if (found == null && all) return Optional.empty();
                if (found != null && hit == null) hit = found;
                if (found != null && !all) break;
            }
            return Optional.ofNullable(hit);
        }
    }

    /** A keyword search: the values are looked for in every field of the event. */
    record Keywords(FieldSpec spec, List<ValueMatcher> matchers, boolean all) implements FieldCondition {
        public Keywords { matchers = List.copyOf(matchers); }

        @Override public boolean test(SigmaEvent event) { return evidence(event).isPresent(); }

        @Override public Truth truth(SigmaEvent event, List<String> why) {
            List<String> texts = new java.util.ArrayList<>();
            for (String name : event.fieldNames()) texts.addAll(EventValues.texts(event.field(name)));
            return combine(matchers, all, texts, event, spec, why);
        }

        @Override public Optional<String> evidence(SigmaEvent event) {
            String hit = null;
            for (ValueMatcher m : matchers) {
                String found = find(m, event);
                if (found == null && all) return Optional.empty();
                if (found != null && hit == null) hit = found;
                if (found != null && !all) break;
            }
            return Optional.ofNullable(hit);
        }

        private static String find(ValueMatcher m, SigmaEvent event) {
            for (String name : event.fieldNames()) {
                for (String t : EventValues.texts(event.field(name))) if (m.test(t, event)) return name + "=" + t;
            }
            return null;
        }
    }

    /** The matchers over the values: any of them (or all, with {@code all}) holds, in three-valued logic. */
    private static Truth combine(List<ValueMatcher> matchers, boolean all, List<String> texts, SigmaEvent event,
                                 FieldSpec spec, List<String> why) {
        Truth result = all ? Truth.TRUE : Truth.FALSE;
        for (ValueMatcher m : matchers) {
            Truth one = anyText(m, texts, event, spec, why);
            result = all ? result.and(one) : result.or(one);
            if (result == (all ? Truth.FALSE : Truth.TRUE)) return result;
        }
        return result;
    }

    /** {@link #combine} over a single text value, without the list. */
    private static Truth combineOne(List<ValueMatcher> matchers, boolean all, String text, SigmaEvent event,
                                    FieldSpec spec, List<String> why) {
        Truth result = all ? Truth.TRUE : Truth.FALSE;
        for (int i = 0, n = matchers.size(); i < n; i++) {
            Truth one = oneText(matchers.get(i), text, event, spec, why);
            result = all ? result.and(one) : result.or(one);
            if (result == (all ? Truth.FALSE : Truth.TRUE)) return result;
        }
        return result;
    }

    private static Truth oneText(ValueMatcher m, String t, SigmaEvent event, FieldSpec spec, List<String> why) {
        if (!(m instanceof ValueMatcher.Regex)) return Truth.of(m.test(t, event));   // only a regex is ever UNKNOWN
        List<String> local = new java.util.ArrayList<>(1);
        Truth one = m.truth(t, event, local);
        if (one == Truth.UNKNOWN) for (String w : local) why.add(spec.key() + ": " + w);
        return one;
    }

    /** One matcher over a field's values: TRUE if any value matches, UNKNOWN if none does but one was undecided. */
    private static Truth anyText(ValueMatcher m, List<String> texts, SigmaEvent event, FieldSpec spec, List<String> why) {
        Truth r = Truth.FALSE;
        for (String t : texts) {
            Truth one = oneText(m, t, event, spec, why);
            if (one == Truth.TRUE) return Truth.TRUE;
            if (one == Truth.UNKNOWN) r = Truth.UNKNOWN;
        }
        return r;
    }

    private static boolean present(Object v) {
        return v != null && !(v instanceof java.util.Collection<?> c && c.isEmpty());
    }
}
