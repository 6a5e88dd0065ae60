package io.chirp.detect.check;

import io.chirp.detect.SharedData;
import io.chirp.detect.ocsf.OcsfPipeline;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * SigmaHQ's Linux rules (read in place from ../shared/data) must load and really evaluate on CHIRP's events: at
 * least 90 % of process_creation and network_connection rules fire on an event built from their own selections and
 * not on a benign one. The failures are printed with their reasons.
 */
class SigmaHqCoverageTest {
    private static final List<String> CATEGORIES = List.of("process_creation", "network_connection");

    @Test void atLeastNinetyPercentOfProcessAndNetworkRulesEvaluate() {
        Path linux = SharedData.root().resolve("sigma/rules/linux");
        RuleCheck.Report report = new RuleCheck(OcsfPipeline.standard()).check(linux);

        long ok = 0, total = 0;
        StringBuilder text = new StringBuilder("SigmaHQ Linux rules on CHIRP events:\n");
        for (String c : CATEGORIES) {
            ok += report.ok(c);
            total += report.total(c);
            text.append(String.format("  %-20s %3d / %3d%n", c, report.ok(c), report.total(c)));
        }
        report.summary().forEach((c, n) -> { if (!CATEGORIES.contains(c)) text.append(String.format("  %-20s %3d / %3d%n", c, n[0], n[1])); });
        text.append("Not evaluated:\n").append(report.failures().stream()
                .map(r -> String.format("  %-18s %-22s %s: %s", r.category() == null ? "-" : r.category(), r.status(), r.source(), r.reason()))
                .collect(Collectors.joining("\n")));
        System.out.println(text);

        assertThat(total).as("process_creation + network_connection rules found under %s", linux).isGreaterThan(100);
        assertThat((double) ok / total).as(text.toString()).isGreaterThanOrEqualTo(0.90);
    }
}
