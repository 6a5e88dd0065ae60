package io.chirp.detect;

import io.chirp.core.ChirpException;
import io.chirp.detect.eval.CompiledRule;
import io.chirp.detect.eval.RuleCompiler;
import io.chirp.detect.eval.RuleSet;
import io.chirp.detect.rule.RuleLoader;
import io.chirp.detect.rule.SigmaRule;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A set of compiled rules, ready to run on events: the entry point for the monitor. The rules are compiled as a
 * whole into a {@link RuleSet} (by log source category, literals of all rules matched in one pass per field, only
 * the rules whose literals occur evaluated); the skipped rules of a load are kept in {@link #problems()} for the
 * operator. {@link #outcomesOneByOne} is the rule-by-rule evaluator the rule set is tested against. Immutable and
 * thread-safe.
 *
 * <pre>{@code
 * Detector d = Detector.load(Path.of("rules"));       // bad rules reported, not fatal
 * d.problems().forEach(p -> log.warn("{}", p));
 * for (Detection hit : d.detect(event)) sink.accept(DetectionFindings.toOcsf(hit, ...));
 * }</pre>
 */
public final class Detector {
    /** Resource folder of CHIRP's own rules, listed in its {@code index.txt}. */
    public static final String SHIPPED = "/io/chirp/detect/rules/";

    private final List<CompiledRule> rules;
    private final List<RuleProblem> problems;
    private final Map<String, List<CompiledRule>> byCategory = new HashMap<>();
    private final RuleSet set;

    private Detector(List<CompiledRule> rules, List<RuleProblem> problems) {
        this.rules = List.copyOf(rules);
        this.problems = List.copyOf(problems);
        for (CompiledRule r : this.rules) {
            // A rule without a category (syslog keywords, auditd) is for logs CHIRP does not produce: it would
            // otherwise run on every event. RuleCheck reports such rules as unsupported.
            String c = r.rule().logSource().category();
            if (c != null) byCategory.computeIfAbsent(c, k -> new ArrayList<>()).add(r);
        }
        this.set = RuleSet.of(this.rules);
    }

    /** {@return a detector over already compiled rules} */
    public static Detector of(Collection<CompiledRule> rules) { return new Detector(List.copyOf(rules), List.of()); }

    /** {@return the rules under {@code dir}; rules that do not load or compile are in {@link #problems()}} */
    public static Detector load(Path dir) { return compile(new RuleLoader().loadDirectory(dir)); }

    /** {@return the rules in one YAML text (one rule or a collection)} */
    public static Detector fromYaml(String yaml, String source) { return compile(new RuleLoader().loadText(yaml, source)); }

    /** {@return CHIRP's shipped rule set for Linux attacks} */
    public static Detector shipped() {
        List<SigmaRule> parsed = new ArrayList<>();
        List<RuleProblem> problems = new ArrayList<>();
        RuleLoader loader = new RuleLoader();
        for (String name : read(SHIPPED + "index.txt").lines().map(String::strip).filter(s -> !s.isEmpty() && !s.startsWith("#")).toList()) {
            RuleLoader.Result r = loader.loadText(read(SHIPPED + name), name);
            parsed.addAll(r.rules());
            problems.addAll(r.problems());
        }
        Detector d = compile(new RuleLoader.Result(parsed, problems));
        // Our own rules are part of the build: a broken one is a bug, not an operator's problem.
        if (!d.problems.isEmpty()) throw new ChirpException(ChirpException.Kind.INTERNAL, "shipped rule broken: " + d.problems);
        return d;
    }

    /** {@return the detector for loaded rules: each compiled, failures added to the problems} */
    public static Detector compile(RuleLoader.Result loaded) {
        List<CompiledRule> compiled = new ArrayList<>();
        List<RuleProblem> problems = new ArrayList<>(loaded.problems());
        for (SigmaRule r : loaded.rules()) {
            try {
                compiled.add(RuleCompiler.compile(r));
            } catch (RuleException e) {
                problems.add(new RuleProblem(r.source(), r.id(), r.logSource().category(), e.getMessage()));
            }
        }
        return new Detector(compiled, problems);
    }

    /**
     * {@return the detections of every rule whose log source covers the event and that fires on it}; only rules
     * that name the event's category are tried
     */
    public List<Detection> detect(SigmaEvent event) {
        List<Detection> out = new ArrayList<>();
        for (RuleOutcome o : outcomes(event)) if (o instanceof RuleOutcome.Match m) out.add(m.detection());
        return out;
    }

    /**
     * {@return the outcome of every rule that fires on the event or could not be evaluated on it}; rules that were
     * evaluated and do not fire are left out (there are many). The monitor uses this, not {@link #detect}, so that
     * an undecided rule becomes a finding instead of a silent miss. Runs on the compiled {@link RuleSet}; the
     * result equals {@link #outcomesOneByOne}'s.
     */
    public List<RuleOutcome> outcomes(SigmaEvent event) { return set.outcomes(event); }

    /**
     * {@return the same as {@link #outcomes}, computed by trying every rule of the event's category in turn}: the
     * reference evaluator, kept as the oracle for the compiled rule set (and as a baseline in benchmarks)
     */
    public List<RuleOutcome> outcomesOneByOne(SigmaEvent event) {
        List<RuleOutcome> out = new ArrayList<>();
        String c = event.logSource().category();
        for (CompiledRule r : c == null ? List.<CompiledRule>of() : byCategory.getOrDefault(c, List.of())) {
            RuleOutcome o = r.outcome(event);
            if (!(o instanceof RuleOutcome.NoMatch)) out.add(o);
        }
        return out;
    }

    /** {@return the compiled rules} */
    public List<CompiledRule> rules() { return rules; }

    /** {@return the rule set compiled as a whole that {@link #outcomes} runs on} */
    public RuleSet ruleSet() { return set; }

    /** {@return the rules that were skipped, with the reason} */
    public List<RuleProblem> problems() { return problems; }

    /** {@return the rule with this id} */
    public Optional<CompiledRule> rule(String id) {
        return rules.stream().filter(r -> id.equals(r.rule().id())).findFirst();
    }

    private static String read(String resource) {
        try (InputStream in = Detector.class.getResourceAsStream(resource)) {
            if (in == null) throw new ChirpException(ChirpException.Kind.INTERNAL, "missing resource " + resource);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw ChirpException.io("cannot read " + resource, e);
        }
    }
}
