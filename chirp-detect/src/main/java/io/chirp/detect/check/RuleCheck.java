package io.chirp.detect.check;

import io.chirp.detect.Detector;
import io.chirp.detect.LogSource;
import io.chirp.detect.RuleProblem;
import io.chirp.detect.SigmaEvent;
import io.chirp.detect.eval.CompiledRule;
import io.chirp.detect.eval.FieldCondition;
import io.chirp.detect.eval.ValueMatcher;
import io.chirp.detect.ocsf.FieldMapping;
import io.chirp.detect.ocsf.OcsfPipeline;
import io.chirp.detect.rule.FieldSpec;
import io.chirp.detect.rule.SigmaRule;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Checks that rules are usable on CHIRP's events, not merely parseable: each rule must load and compile, be for a
 * log source CHIRP produces, use only fields the {@link OcsfPipeline} maps, fire on an event built from its own
 * selections ({@link EventSynthesizer}) and stay quiet on a benign event of its category. {@code chirp rules check}
 * prints the report; the SigmaHQ coverage test asserts on it.
 */
public final class RuleCheck {

    /** The outcome for one rule, from best to worst. */
    public enum Status {
        /** Loads, fires on its own positive event, not on the benign one. */
        OK,
        /** Does not load or compile (the reason says why). */
        INVALID,
        /** Written for a log source CHIRP does not produce (auditd, syslog, ...). */
        UNSUPPORTED_LOGSOURCE,
        /** Needs a field the pipeline does not map for its category. */
        UNMAPPED_FIELD,
        /** No event built from its selections makes it fire. */
        NO_POSITIVE_EVENT,
        /** Fires on a benign event. */
        FIRES_ON_BENIGN
    }

    /** One rule's outcome. */
    public record Result(String source, String ruleId, String title, String category, Status status, String reason) { }

    /** All outcomes, with coverage per category. */
    public record Report(List<Result> results) {
        public Report { results = List.copyOf(results); }

        /** {@return how many rules of the category are OK} */
        public long ok(String category) {
            return results.stream().filter(r -> category.equals(r.category()) && r.status() == Status.OK).count();
        }

        /** {@return how many rules the category has (including those that failed)} */
        public long total(String category) {
            return results.stream().filter(r -> category.equals(r.category())).count();
        }

        /** {@return the results that are not OK} */
        public List<Result> failures() { return results.stream().filter(r -> r.status() != Status.OK).toList(); }

        /** {@return rule counts per category and status, for the summary line} */
        public Map<String, long[]> summary() {
            Map<String, long[]> m = new LinkedHashMap<>();
            for (Result r : results) {
                long[] c = m.computeIfAbsent(r.category() == null ? "(none)" : r.category(), k -> new long[2]);
                c[1]++;
                if (r.status() == Status.OK) c[0]++;
            }
            return m;
        }
    }

    private final OcsfPipeline pipeline;

    public RuleCheck(OcsfPipeline pipeline) { this.pipeline = pipeline; }

    /** {@return the report for every rule under {@code dir}} */
    public Report check(Path dir) { return check(Detector.load(dir)); }

    /** {@return the report for the rules and problems of a detector} */
    public Report check(Detector detector) {
        List<Result> out = new ArrayList<>();
        for (RuleProblem p : detector.problems()) {
            out.add(new Result(p.source(), p.ruleId(), null, p.category(), Status.INVALID, p.reason()));
        }
        for (CompiledRule r : detector.rules()) out.add(check(r));
        out.sort(Comparator.comparing(Result::source));
        return new Report(out);
    }

    /** {@return the outcome for one compiled rule} */
    public Result check(CompiledRule compiled) {
        SigmaRule rule = compiled.rule();
        String category = rule.logSource().category();
        LogSource events = LogSource.linux(category);
        if (category == null || !pipeline.categories().contains(category) || !rule.logSource().covers(events)) {
            return result(rule, Status.UNSUPPORTED_LOGSOURCE, "CHIRP produces no events for log source " + rule.logSource());
        }
        String keywordField = pipeline.hasField(category, "CommandLine") ? "CommandLine" : pipeline.fields(category).getFirst().sigmaField();
        Optional<EventSynthesizer.Positive> positive = EventSynthesizer.positive(compiled, events, keywordField);
        Set<String> unmapped = unmappedFields(compiled, positive.map(EventSynthesizer.Positive::searches).orElse(Set.copyOf(compiled.searchNames())), category);
        if (!unmapped.isEmpty()) {
            return result(rule, Status.UNMAPPED_FIELD, "field" + (unmapped.size() > 1 ? "s " : " ") + String.join(", ", unmapped)
                    + " not in the mapping for " + category + " (mapped: " + mapped(category) + ")");
        }
        if (positive.isEmpty()) return result(rule, Status.NO_POSITIVE_EVENT, whyNoPositive(compiled));
        SigmaEvent benign = benign(events);
        if (compiled.matches(benign)) return result(rule, Status.FIRES_ON_BENIGN, "fires on the benign event " + benign);
        return result(rule, Status.OK, "fires on " + positive.get().searches().stream().sorted().toList());
    }

    /** {@return a harmless event of the category: a plain tool run by an ordinary user} */
    public static SigmaEvent benign(LogSource source) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("Image", "/usr/lib/chirp/benign-tool");
        m.put("CommandLine", "benign-tool --version");
        m.put("ProcessId", 4242L);
        m.put("User", "chirp-benign");
        m.put("UserId", "1000");
        switch (source.category() == null ? "" : source.category()) {
            case OcsfPipeline.PROCESS_CREATION -> {
                m.put("ParentImage", "/usr/lib/chirp/benign-parent");
                m.put("ParentCommandLine", "benign-parent");
                m.put("ParentProcessId", 4241L);
                m.put("ParentUser", "chirp-benign");
                m.put("CurrentDirectory", "/home/chirp-benign");
                m.put("OriginalFileName", "benign-tool");
                m.put("LogonId", "1000");
            }
            case OcsfPipeline.NETWORK_CONNECTION -> {
                m.put("DestinationIp", "192.0.2.10");
                m.put("DestinationPort", 443L);
                m.put("DestinationHostname", "updates.example.org");
                m.put("SourceIp", "10.0.2.15");
                m.put("SourcePort", 40000L);
                m.put("Protocol", "tcp");
                m.put("Initiated", "true");
            }
            case OcsfPipeline.FILE_EVENT -> m.put("TargetFilename", "/home/chirp-benign/notes.txt");
            default -> { }
        }
        return SigmaEvent.of(source, m);
    }

    private Set<String> unmappedFields(CompiledRule rule, Set<String> searches, String category) {
        Set<String> out = new LinkedHashSet<>();
        for (String s : rule.searchNames()) {
            if (!searches.contains(s)) continue;
            for (List<FieldCondition> alt : rule.search(s)) {
                for (FieldCondition c : alt) {
                    FieldSpec spec = c.spec();
                    if (!spec.keyword() && !pipeline.hasField(category, spec.field())) out.add(spec.field());
                    if (c instanceof FieldCondition.Values v) {
                        for (ValueMatcher m : v.matchers()) {
                            if (m instanceof ValueMatcher.FieldRef f && !pipeline.hasField(category, f.other())) out.add(f.other());
                        }
                    }
                }
            }
        }
        return out;
    }

    private static String whyNoPositive(CompiledRule rule) {
        for (String s : rule.searchNames()) {
            for (List<FieldCondition> alt : rule.search(s)) {
                for (FieldCondition c : alt) {
                    List<ValueMatcher> ms = switch (c) {
                        case FieldCondition.Values v -> v.matchers();
                        case FieldCondition.Keywords k -> k.matchers();
                        case FieldCondition.Exists x -> List.of();
                    };
                    for (ValueMatcher m : ms) {
                        if (m instanceof ValueMatcher.Regex r && RegexSampler.sample(r.regex().pattern()).isEmpty()) {
                            return "no sample value for regex '" + r.regex().pattern() + "' in " + s
                                    + " (look-around, back-reference or class syntax the sampler does not build)";
                        }
                    }
                }
            }
        }
        return EventSynthesizer.satisfyingSubsets(rule).isEmpty()
                ? "no combination of its searches satisfies the condition"
                : "no event built from its selections fires it (conflicting values for one field)";
    }

    private String mapped(String category) {
        return String.join(" ", pipeline.fields(category).stream().map(FieldMapping::sigmaField).toList());
    }

    private static Result result(SigmaRule r, Status s, String reason) {
        return new Result(r.source(), r.id(), r.title(), r.logSource().category(), s, reason);
    }
}
