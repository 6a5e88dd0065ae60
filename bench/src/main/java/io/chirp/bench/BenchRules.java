package io.chirp.bench;

import io.chirp.detect.Detector;
import io.chirp.detect.eval.CompiledRule;
import io.chirp.detect.eval.RuleCompiler;
import io.chirp.detect.rule.FieldSpec;
import io.chirp.detect.rule.Search;
import io.chirp.detect.rule.SigmaDetection;
import io.chirp.detect.rule.SigmaRule;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.SequencedMap;
import java.util.Set;

/**
 * The rule sets of the detection benchmark.
 * <ul>
 * <li>100 rules: CHIRP's shipped rules, then SigmaHQ's Linux process_creation rules in path order (the set of the
 *     previous report);</li>
 * <li>1,000 rules: CHIRP's shipped rules and every SigmaHQ Linux rule that compiles (about 220), then replicas of
 *     the SigmaHQ process_creation, network_connection and file_event rules until there are 1,000. SigmaHQ has
 *     not that many Linux rules, so replicas are how the set grows: replica {@code k} of a rule gives every plain,
 *     contains, startswith and endswith string value the suffix {@code ~k}, so it is a distinct rule with literals
 *     of its own (which the events rarely contain); its regex, CIDR, numeric and exists conditions are kept as they
 *     are, so rules that only a regex decides stay as costly as the original.</li>
 * </ul>
 */
final class BenchRules {
    private static final Set<String> KEPT = Set.of("re", "cidr", "gt", "gte", "lt", "lte", "exists", "fieldref");
    private static final Set<String> REPLICATED = Set.of("process_creation", "network_connection", "file_event");

    private BenchRules() {}

    static List<CompiledRule> rules(int count) {
        List<CompiledRule> out = new ArrayList<>(Detector.shipped().rules());
        if (count <= 100) {
            for (CompiledRule r : Detector.load(BenchData.sigmaLinux().resolve("process_creation")).rules()) {
                if (out.size() >= count) break;
                out.add(r);
            }
            return out;
        }
        List<CompiledRule> sigma = Detector.load(BenchData.sigmaLinux()).rules();
        out.addAll(sigma);
        List<SigmaRule> originals = sigma.stream().map(CompiledRule::rule)
                .filter(r -> r.logSource().category() != null && REPLICATED.contains(r.logSource().category())).toList();
        for (int k = 1; out.size() < count; k++) {
            for (SigmaRule r : originals) {
                if (out.size() >= count) break;
                out.add(RuleCompiler.compile(replica(r, k)));
            }
        }
        return out;
    }

    static SigmaRule replica(SigmaRule r, int k) {
        SequencedMap<String, Search> searches = new LinkedHashMap<>();
        for (Search s : r.detection().searches().values()) {
            List<List<FieldSpec>> alts = new ArrayList<>();
            for (List<FieldSpec> alt : s.anyOf()) {
                List<FieldSpec> specs = new ArrayList<>();
                for (FieldSpec f : alt) specs.add(vary(f, k));
                alts.add(specs);
            }
            searches.put(s.name(), new Search(s.name(), alts));
        }
        SigmaDetection d = new SigmaDetection(searches, r.detection().conditions(), r.detection().timeframe());
        return new SigmaRule(r.title() + " (replica " + k + ")", r.id() + "-replica-" + k, r.status(), r.description(),
                r.references(), r.author(), r.date(), r.modified(), r.tags(), r.logSource(), d, r.falsePositives(),
                r.level(), r.fields(), r.source() + "#replica" + k);
    }

    private static FieldSpec vary(FieldSpec f, int k) {
        if (f.modifiers().stream().anyMatch(KEPT::contains)) return f;
        List<Object> values = new ArrayList<>();
        for (Object v : f.values()) values.add(v instanceof String s ? s + "~" + k : v);
        return new FieldSpec(f.key(), f.field(), f.modifiers(), values);
    }
}
