package io.chirp.detect.eval;

import io.chirp.detect.Detector;
import io.chirp.detect.LogSource;
import io.chirp.detect.RuleOutcome;
import io.chirp.detect.SigmaEvent;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The compiled rule set's prefilter on the shapes where a prefilter goes wrong if it is not careful: a condition
 * that holds when a selection is false, selections that must all hold, case folding, and undecided regexes. Each
 * case is checked against the expected outcome and against the rule-by-rule evaluator.
 */
class RuleSetTest {
    private static final LogSource PROC = LogSource.linux("process_creation");

    private static Detector rule(String detection) {
        return Detector.fromYaml("""
                title: t
                id: 00000000-0000-0000-0000-000000000001
                logsource: {category: process_creation, product: linux}
                detection:
                """ + detection.indent(4), "test.yml");
    }

    private static List<String> kinds(Detector d, Map<String, ?> fields) {
        SigmaEvent e = SigmaEvent.of(PROC, fields);
        List<RuleOutcome> compiled = d.outcomes(e);
        assertThat(compiled).isEqualTo(d.outcomesOneByOne(e));
        return compiled.stream().map(o -> o.getClass().getSimpleName()).toList();
    }

    @Test void aConditionTrueWithoutTheLiteralIsNeverSkipped() {
        Detector d = rule("""
                filter:
                  Image|endswith: /bin/ls
                condition: not filter
                """);
        assertThat(d.ruleSet().stats().anchored()).isZero();
        assertThat(kinds(d, Map.of("Image", "/tmp/x"))).containsExactly("Match");
        assertThat(kinds(d, Map.of("Image", "/BIN/LS"))).isEmpty();
    }

    @Test void aSelectionAndNotAFilterAnchorsOnTheSelectionOnly() {
        Detector d = rule("""
                selection:
                  CommandLine|contains: ' -e '
                filter:
                  Image|endswith: /bin/ls
                condition: selection and not filter
                """);
        assertThat(d.ruleSet().stats().anchored()).isEqualTo(1);
        assertThat(kinds(d, Map.of("Image", "/bin/nc", "CommandLine", "nc -E /bin/sh"))).containsExactly("Match");
        assertThat(kinds(d, Map.of("Image", "/bin/ls", "CommandLine", "ls -e x"))).isEmpty();
        assertThat(kinds(d, Map.of("Image", "/bin/nc", "CommandLine", "nc -l"))).isEmpty();
    }

    @Test void allOfTheSelectionsNeedsEveryLiteral() {
        Detector d = rule("""
                selection_img:
                  Image|endswith: /find
                selection_cli:
                  CommandLine|contains|all: ['-exec', '/bin/sh']
                condition: all of selection_*
                """);
        assertThat(kinds(d, Map.of("Image", "/usr/bin/find", "CommandLine", "find . -exec /bin/sh ;"))).containsExactly("Match");
        assertThat(kinds(d, Map.of("Image", "/usr/bin/find", "CommandLine", "find . -exec ls ;"))).isEmpty();
        assertThat(kinds(d, Map.of("Image", "/bin/sh", "CommandLine", "/bin/sh -exec"))).isEmpty();
        assertThat(kinds(d, Map.of("CommandLine", List.of("x", "find -EXEC /BIN/SH"), "Image", "/FIND"))).containsExactly("Match");
    }

    @Test void casedAndNonAsciiValuesKeepTheirSemantics() {
        Detector d = rule("""
                selection_cased:
                  CommandLine|cased|contains: 'ΑΣ'
                selection_folded:
                  CommandLine|contains: 'İx'
                condition: 1 of selection_*
                """);
        assertThat(kinds(d, Map.of("CommandLine", "-ΑΣ-"))).containsExactly("Match");
        assertThat(kinds(d, Map.of("CommandLine", "ΑΣΒ"))).containsExactly("Match");
        assertThat(kinds(d, Map.of("CommandLine", "ασ"))).isEmpty();
        assertThat(kinds(d, Map.of("CommandLine", "aİXb"))).containsExactly("Match");
    }

    @Test void anUndecidedRegexStaysUndecided() {
        Detector d = rule("""
                selection:
                  Image|endswith: /sh
                  CommandLine|re: 'EVIL$'
                condition: selection
                """);
        String padded = "x".repeat(BoundedRegex.MAX_INPUT + 10) + "EVIL";
        assertThat(kinds(d, Map.of("Image", "/bin/sh", "CommandLine", padded))).containsExactly("Undecided");
        assertThat(kinds(d, Map.of("Image", "/bin/ls", "CommandLine", padded))).isEmpty();
        assertThat(kinds(d, Map.of("Image", "/bin/sh", "CommandLine", "run EVIL"))).containsExactly("Match");
    }
}
