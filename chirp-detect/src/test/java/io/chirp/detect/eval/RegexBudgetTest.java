package io.chirp.detect.eval;

import io.chirp.detect.Detector;
import io.chirp.detect.LogSource;
import io.chirp.detect.RuleOutcome;
import io.chirp.detect.RuleProblem;
import io.chirp.detect.SigmaEvent;
import io.chirp.detect.check.RuleCheck;
import io.chirp.detect.ocsf.OcsfPipeline;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * The hardening issue's Sigma findings: a regex too large is refused at load with a rule problem (it used to run
 * the coverage sampler out of memory), and a regex that runs out of its step budget makes the rule undecided, never
 * a silent "no match" a guest could hide behind by padding its command line.
 */
class RegexBudgetTest {
    private static final LogSource PROC = LogSource.linux("process_creation");

    private static String yaml(String detection) {
        return "title: t\nid: t1\nlogsource: {category: process_creation, product: linux}\ndetection:\n"
                + detection.stripIndent().indent(4);
    }

    private static CompiledRule rule(String detection) {
        Detector d = Detector.fromYaml(yaml(detection), "t.yml");
        assertThat(d.problems()).isEmpty();
        return d.rules().getFirst();
    }

    private static SigmaEvent ev(String... kv) {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put(kv[i], kv[i + 1]);
        return SigmaEvent.of(PROC, m);
    }

    @Test void hugeRepetitionsAreRuleProblemsNotOutOfMemory() {
        for (String count : List.of("2147483647", "1000000000", "99999999999999999999", "10001")) {
            assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
                Detector d = Detector.fromYaml(yaml("sel:\n  CommandLine|re: 'a{" + count + "}'\ncondition: sel"), "big.yml");
                assertThat(d.rules()).isEmpty();
                RuleProblem p = d.problems().getFirst();
                assertThat(p.reason()).contains("repeats").contains("at most " + BoundedRegex.MAX_REPEAT);
                RuleCheck.Report report = new RuleCheck(OcsfPipeline.standard()).check(d);
                assertThat(report.results()).singleElement()
                        .satisfies(r -> assertThat(r.status()).isEqualTo(RuleCheck.Status.INVALID));
            });
        }
        Detector range = Detector.fromYaml(yaml("sel:\n  CommandLine|re: 'a{2,2147483647}'\ncondition: sel"), "r.yml");
        assertThat(range.problems()).singleElement().satisfies(p -> assertThat(p.reason()).contains("2147483647"));
        assertThat(Detector.fromYaml(yaml("sel:\n  CommandLine|re: '" + "a".repeat(BoundedRegex.MAX_PATTERN + 1) + "'\ncondition: sel"), "l.yml")
                .problems()).singleElement().satisfies(p -> assertThat(p.reason()).contains("longer than"));
    }

    @Test void largeButAllowedRepetitionIsCheckedQuickly() {
        // Allowed by the compiler, too big for a sample: the check says so instead of building 10 000 x 'a' ... x 1e4.
        Detector d = Detector.fromYaml(yaml("sel:\n  CommandLine|re: '(a{10000}){10000}'\ncondition: sel"), "n.yml");
        assertThat(d.problems()).isEmpty();
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
            RuleCheck.Result r = new RuleCheck(OcsfPipeline.standard()).check(d.rules().getFirst());
            assertThat(r.status()).isEqualTo(RuleCheck.Status.NO_POSITIVE_EVENT);
            assertThat(r.reason()).contains("no sample value for regex");
        });
    }

    @Test void budgetOverrunIsUndecidedNotNoMatch() {
        CompiledRule r = rule("sel:\n  CommandLine|re: '(.*a){12}EVIL'\ncondition: sel");
        assertThat(r.outcome(ev("CommandLine", "a".repeat(12) + "EVIL"))).isInstanceOf(RuleOutcome.Match.class);
        assertThat(r.outcome(ev("CommandLine", "short benign"))).isInstanceOf(RuleOutcome.NoMatch.class);

        String padded = "a".repeat(200) + "EVI";   // the guest pads: backtracking explodes, the budget runs out
        RuleOutcome o = r.outcome(ev("CommandLine", padded));
        assertThat(o).isInstanceOfSatisfying(RuleOutcome.Undecided.class, u -> {
            assertThat(u.ruleId()).isEqualTo("t1");
            assertThat(u.reasons()).singleElement().satisfies(w -> assertThat(w)
                    .startsWith("CommandLine|re: regex /(.*a){12}EVIL/ exceeded its budget of " + BoundedRegex.STEP_BUDGET + " steps"));
        });
        assertThat(r.matches(ev("CommandLine", padded))).as("coverage checks keep a plain boolean").isFalse();
        assertThat(r.evaluate(ev("CommandLine", padded))).isEmpty();
        assertThat(Detector.of(List.of(r)).outcomes(ev("CommandLine", padded))).singleElement().isInstanceOf(RuleOutcome.Undecided.class);
    }

    @Test void theRestOfTheConditionSettlesAnUnknownWhenItCan() {
        String evil = "a".repeat(200) + "EVI";
        CompiledRule or = rule("sel:\n  CommandLine|re: '(.*a){12}EVIL'\nother:\n  Image|endswith: /nc\ncondition: sel or other");
        assertThat(or.outcome(ev("CommandLine", evil, "Image", "/bin/nc"))).isInstanceOf(RuleOutcome.Match.class);
        assertThat(or.outcome(ev("CommandLine", evil, "Image", "/bin/ls"))).isInstanceOf(RuleOutcome.Undecided.class);

        CompiledRule and = rule("sel:\n  CommandLine|re: '(.*a){12}EVIL'\nother:\n  Image|endswith: /nc\ncondition: sel and other");
        assertThat(and.outcome(ev("CommandLine", evil, "Image", "/bin/ls"))).isInstanceOf(RuleOutcome.NoMatch.class);
        assertThat(and.outcome(ev("CommandLine", evil, "Image", "/bin/nc"))).isInstanceOf(RuleOutcome.Undecided.class);

        CompiledRule filter = rule("sel:\n  Image|endswith: /nc\nfilter:\n  CommandLine|re: '(.*a){12}EVIL'\ncondition: sel and not filter");
        assertThat(filter.outcome(ev("CommandLine", evil, "Image", "/bin/nc")))
                .as("an unknown filter cannot clear the event either").isInstanceOf(RuleOutcome.Undecided.class);

        CompiledRule oneOf = rule("sel1:\n  CommandLine|re: '(.*a){12}EVIL'\nsel2:\n  Image|endswith: /nc\n"
                + "sel3:\n  User: root\ncondition: 2 of sel*");
        assertThat(oneOf.outcome(ev("CommandLine", evil, "Image", "/bin/nc", "User", "root"))).isInstanceOf(RuleOutcome.Match.class);
        assertThat(oneOf.outcome(ev("CommandLine", evil, "Image", "/bin/nc", "User", "bob"))).isInstanceOf(RuleOutcome.Undecided.class);
        assertThat(oneOf.outcome(ev("CommandLine", evil, "Image", "/bin/ls", "User", "bob"))).isInstanceOf(RuleOutcome.NoMatch.class);
    }

    @Test void aValueLongerThanTheRegexLooksAtIsUndecidedUnlessTheKeptPartMatches() {
        CompiledRule r = rule("sel:\n  CommandLine|re: 'EVIL'\ncondition: sel");
        String tail = "x".repeat(BoundedRegex.MAX_INPUT) + "EVIL";
        assertThat(r.outcome(ev("CommandLine", tail))).isInstanceOfSatisfying(RuleOutcome.Undecided.class,
                u -> assertThat(u.reasons().getFirst()).contains("only the first " + BoundedRegex.MAX_INPUT));
        assertThat(r.outcome(ev("CommandLine", "EVIL" + tail))).isInstanceOf(RuleOutcome.Match.class);
    }

    @Test void keywordRegexesAreThreeValuedToo() {
        CompiledRule r = rule("keywords:\n  '|re': '(.*a){12}EVIL'\ncondition: keywords");
        assertThat(r.outcome(ev("CommandLine", "a".repeat(200) + "EVI"))).isInstanceOf(RuleOutcome.Undecided.class);
        assertThat(r.outcome(ev("CommandLine", "a".repeat(12) + "EVIL"))).isInstanceOf(RuleOutcome.Match.class);
    }
}
