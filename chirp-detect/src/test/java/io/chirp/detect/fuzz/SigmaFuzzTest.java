package io.chirp.detect.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.chirp.detect.Detector;
import io.chirp.detect.LogSource;
import io.chirp.detect.RuleOutcome;
import io.chirp.detect.SigmaEvent;
import io.chirp.detect.check.RuleCheck;
import io.chirp.detect.condition.ConditionParser;
import io.chirp.detect.eval.BoundedRegex;
import io.chirp.detect.eval.CompiledRule;
import io.chirp.detect.eval.Truth;
import io.chirp.detect.ocsf.OcsfPipeline;
import io.chirp.lab.fuzz.FuzzCheck;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Coverage-guided fuzz targets for everything that reads a rule (Sigma YAML, conditions, regexes). Seeds and
 * every input that once failed are in src/test/resources/io/chirp/detect/fuzz/SigmaFuzzTestInputs/&lt;target&gt;/
 * and replay in every build; {@code bench/fuzz} fuzzes ({@code JAZZER_FUZZ=1}).
 */
class SigmaFuzzTest {
    private static final LogSource PROC = LogSource.linux("process_creation");
    private static final RuleCheck CHECK = new RuleCheck(OcsfPipeline.standard());

    static {
        // Warm up: class loading and the YAML machinery's first use would count against the first input's allocation.
        Detector.shipped().rules().forEach(CHECK::check);
    }

    /** A rule file: loads (bad rules are problems), compiles, is checked (sampler, synthesizer), evaluates. */
    @FuzzTest(maxDuration = "60s")
    void ruleYaml(byte[] data) {
        String yaml = new String(data, StandardCharsets.UTF_8);
        FuzzCheck.check("rule yaml", data, () -> {
            Detector d = Detector.fromYaml(yaml, "fuzz.yml");
            for (var p : d.problems()) assertThat(p.reason()).as("a rule problem says why").isNotBlank();
            List<SigmaEvent> events = List.of(RuleCheck.benign(PROC),
                    SigmaEvent.of(PROC, Map.of("CommandLine", "a".repeat(300) + "EVI", "Image", "/bin/nc")));
            for (CompiledRule r : d.rules()) {
                RuleCheck.Result res = CHECK.check(r);
                assertThat(res.status()).isNotNull();
                assertThat(res.reason()).isNotBlank();
                for (SigmaEvent e : events) {
                    RuleOutcome o = r.outcome(e);
                    if (o instanceof RuleOutcome.Undecided u) assertThat(u.reasons()).as("undecided says why").isNotEmpty();
                    assertThat(r.matches(e)).isEqualTo(o instanceof RuleOutcome.Match);
                }
            }
        });
    }

    /** A condition expression. */
    @FuzzTest(maxDuration = "60s")
    void condition(byte[] data) {
        String text = new String(data, StandardCharsets.UTF_8);
        FuzzCheck.check("condition", data, () -> ConditionParser.parse(text));
    }

    /**
     * A regex and a value (split at the first newline): compiled under the rule limits, searched under the step
     * budget; a decided answer must equal what java.util.regex says without a budget (it ran to completion
     * within the budget, so the unbudgeted run takes the same steps).
     */
    @FuzzTest(maxDuration = "60s")
    void regex(byte[] data) {
        String s = new String(data, StandardCharsets.UTF_8);
        int nl = s.indexOf('\n');
        String re = nl < 0 ? s : s.substring(0, nl), value = nl < 0 ? "" : s.substring(nl + 1);
        FuzzCheck.check("regex", data, () -> {
            BoundedRegex r = BoundedRegex.compile(re, false, false, false);
            List<String> why = new ArrayList<>();
            Truth t = r.search(value, why);
            if (t == Truth.UNKNOWN) {
                assertThat(why).isNotEmpty();
            } else {
                assertThat(t).isEqualTo(Truth.of(Pattern.compile(re).matcher(value).find()));
            }
        });
    }
}
