package io.chirp.detect.check;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chirp.detect.Detector;
import io.chirp.detect.LogSource;
import io.chirp.detect.RuleOutcome;
import io.chirp.detect.SharedData;
import io.chirp.detect.SigmaEvent;
import io.chirp.detect.eval.CompiledRule;
import io.chirp.detect.eval.RuleSet;
import io.chirp.detect.ocsf.OcsfPipeline;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The compiled rule set ({@link RuleSet}, what {@link Detector#outcomes} runs on) against the rule-by-rule evaluator
 * it replaced ({@link Detector#outcomesOneByOne}, the oracle): the same outcomes, with the same evidence and the same
 * undecided reasons, on every SigmaHQ Linux rule plus CHIRP's shipped rules, over
 * <ul>
 * <li>the events of a recorded lab monitor run ({@code lab-monitor-run.jsonl}: OCSF events written by
 *     {@code chirp monitor --sink jsonl:} on a lab guest, mapped by the standard pipeline);</li>
 * <li>an event built from each rule's own selections ({@link EventSynthesizer}), so every rule fires at least once;</li>
 * <li>mutations of those (case changes, characters inserted, deleted and swapped, values cut, padded past the regex
 *     budget so rules become undecided, turned into lists, fields dropped or moved to other events);</li>
 * <li>random events built from pieces of the rules' own literals, so the prefilter is hit with near misses.</li>
 * </ul>
 */
class RuleSetDifferentialTest {
    private static final long SEED = 0x5151_6a6bL;

    @Test void compiledRuleSetAgreesWithTheRuleByRuleEvaluator() throws IOException {
        List<CompiledRule> rules = new ArrayList<>(Detector.shipped().rules());
        rules.addAll(Detector.load(SharedData.root().resolve("sigma/rules/linux")).rules());
        Detector detector = Detector.of(rules);
        RuleSet.Stats stats = detector.ruleSet().stats();
        assertThat(stats.rules()).isGreaterThan(150);
        // The prefilter must cover most rules, or the comparison says little about it.
        assertThat(stats.anchored()).as("%s", stats).isGreaterThan(stats.rules() / 2);

        Random random = new Random(SEED);
        List<SigmaEvent> events = new ArrayList<>(recordedLabEvents());
        assertThat(events).as("recorded lab events").hasSizeGreaterThan(50);
        List<SigmaEvent> positives = new ArrayList<>();
        for (CompiledRule r : rules) {
            String category = r.rule().logSource().category();
            if (category == null) continue;
            LogSource source = LogSource.linux(category);
            Optional<EventSynthesizer.Positive> p = EventSynthesizer.positive(r, source, "CommandLine");
            p.ifPresent(x -> positives.add(x.event()));
            events.add(RuleCheck.benign(source));
        }
        events.addAll(positives);
        List<String> pieces = literalPieces(positives);
        for (SigmaEvent e : positives) {
            for (int k = 0; k < 6; k++) events.add(mutate(e, positives.get(random.nextInt(positives.size())), random));
        }
        for (int k = 0; k < 3000; k++) events.add(randomEvent(positives, pieces, random));

        long matches = 0, undecided = 0, compared = 0;
        for (SigmaEvent e : events) {
            List<RuleOutcome> oracle = detector.outcomesOneByOne(e);
            List<RuleOutcome> compiled = detector.outcomes(e);
            assertThat(compiled).as("outcomes on %s", e).isEqualTo(oracle);
            for (RuleOutcome o : oracle) {
                if (o instanceof RuleOutcome.Match) matches++;
                else if (o instanceof RuleOutcome.Undecided) undecided++;
            }
            compared++;
        }
        System.out.printf("rule set %s: %d events, %d matches, %d undecided, identical outcomes%n", stats, compared,
                matches, undecided);
        // A comparison that never sees a match or an undecided rule would prove nothing about them.
        assertThat(matches).isGreaterThan(positives.size());
        assertThat(undecided).isGreaterThan(10);
    }

    /** The recorded lab monitor run, through the standard pipeline (findings and unmapped events are dropped). */
    private static List<SigmaEvent> recordedLabEvents() throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<SigmaEvent> out = new ArrayList<>();
        try (InputStream in = RuleSetDifferentialTest.class.getResourceAsStream("lab-monitor-run.jsonl")) {
            assertThat(in).as("recorded lab monitor run").isNotNull();
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line; (line = r.readLine()) != null; ) {
                if (line.isBlank()) continue;
                JsonNode n = json.readTree(line);
                OcsfPipeline.standard().map(n).ifPresent(out::add);
            }
        }
        return out;
    }

    private static List<String> literalPieces(List<SigmaEvent> positives) {
        Set<String> out = new LinkedHashSet<>();
        for (SigmaEvent e : positives) {
            for (String f : e.fieldNames()) {
                String v = String.valueOf(e.field(f));
                for (String w : v.split("[ /=]")) if (!w.isEmpty() && w.length() < 40) out.add(w);
            }
        }
        return List.copyOf(out);
    }

    private static SigmaEvent mutate(SigmaEvent e, SigmaEvent other, Random random) {
        Map<String, Object> f = new LinkedHashMap<>();
        for (String name : e.fieldNames()) f.put(name, e.field(name));
        List<String> names = new ArrayList<>(f.keySet());
        if (names.isEmpty()) return e;
        String name = names.get(random.nextInt(names.size()));
        Object v = f.get(name);
        String s = String.valueOf(v);
        switch (random.nextInt(10)) {
            case 0 -> f.put(name, s.toUpperCase(java.util.Locale.ROOT));
            case 1 -> f.put(name, insert(s, random));
            case 2 -> f.put(name, s.length() > 1 ? s.substring(0, random.nextInt(s.length())) : "");
            case 3 -> f.put(name, s.length() > 1 ? s.substring(random.nextInt(s.length())) : s);
            case 4 -> f.put(name, s + "a".repeat(70_000));           // past the regex input cut: undecided regexes
            case 5 -> f.put(name, List.of(s, "x" + s, 7L));           // a multi-valued field
            case 6 -> f.remove(name);
            case 7 -> { for (String o : other.fieldNames()) f.putIfAbsent(o, other.field(o)); }
            case 8 -> f.put(name, swapCase(s, random));
            default -> f.put(name, s.replace('/', '\\').replace(' ', '\t'));
        }
        return SigmaEvent.of(e.logSource(), f);
    }

    private static SigmaEvent randomEvent(List<SigmaEvent> positives, List<String> pieces, Random random) {
        SigmaEvent shape = positives.get(random.nextInt(positives.size()));
        Map<String, Object> f = new LinkedHashMap<>();
        for (String name : shape.fieldNames()) {
            if (random.nextInt(5) == 0) continue;
            StringBuilder sb = new StringBuilder();
            int n = 1 + random.nextInt(4);
            for (int k = 0; k < n; k++) {
                if (k > 0) sb.append(" /-=".charAt(random.nextInt(4)));
                String p = pieces.get(random.nextInt(pieces.size()));
                sb.append(random.nextInt(4) == 0 ? insert(p, random) : p);
            }
            f.put(name, random.nextInt(8) == 0 ? swapCase(sb.toString(), random) : sb.toString());
        }
        return SigmaEvent.of(shape.logSource(), f);
    }

    private static String insert(String s, Random random) {
        int at = s.isEmpty() ? 0 : random.nextInt(s.length() + 1);
        String chars = "aZ /-.*?\\\u0130\u03a3";
        String c = String.valueOf(chars.charAt(random.nextInt(chars.length())));
        return s.substring(0, at) + c + s.substring(at);
    }

    private static String swapCase(String s, Random random) {
        StringBuilder sb = new StringBuilder(s);
        for (int i = 0; i < sb.length(); i++) {
            if (random.nextBoolean()) {
                char c = sb.charAt(i);
                sb.setCharAt(i, Character.isUpperCase(c) ? Character.toLowerCase(c) : Character.toUpperCase(c));
            }
        }
        return sb.toString();
    }
}
