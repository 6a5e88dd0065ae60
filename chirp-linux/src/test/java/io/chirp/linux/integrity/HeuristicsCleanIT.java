package io.chirp.linux.integrity;

import io.chirp.lab.LabGuest;
import io.chirp.lab.WithLabGuest;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** A lab guest with nothing staged (busybox init, its console shell, Debian's signed modules) stays clean. */
@WithLabGuest(scenario = "minimal")
class HeuristicsCleanIT {

    @Test
    void aCleanGuestHasNoHeuristicFindings(LabGuest g) {
        // the guest's own word: its kernel is not tainted and no module carries a taint letter
        assertThat(g.shell("cat /proc/sys/kernel/tainted; grep -c '(' /proc/modules", Duration.ofSeconds(120))
                .lines().toList()).containsExactly("0", "0");
        IntegrityReport rep = HeuristicsIT.heuristics(g);
        for (IntegrityReport.Section s : rep.sections()) assertThat(s.complete()).as("%s: %s", s.check(), s.problems()).isTrue();
        assertThat(rep.section("module_taint").orElseThrow().examined()).isEqualTo(g.groundTruth().modules().size());
        assertThat(rep.section("exe_location").orElseThrow().examined()).isPositive();
        assertThat(rep.findings(IntegrityFinding.Severity.WARNING)).isEmpty();
        assertThat(rep.findings()).isEmpty();
    }
}
