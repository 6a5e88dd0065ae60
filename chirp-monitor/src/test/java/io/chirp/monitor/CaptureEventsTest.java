package io.chirp.monitor;

import io.chirp.events.OcsfEvent;
import io.chirp.events.schema.OcsfSchema;
import io.chirp.events.schema.SchemaLocator;
import io.chirp.events.validate.EventValidator;
import io.chirp.events.validate.ValidationReport;
import io.chirp.linux.Processes;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the short-lived-process capture reports: each launch says how it was seen, a gap says how many were lost,
 * both as OCSF 1.8.0 that the project's validator accepts; and the counters never yield a negative or invented count.
 */
class CaptureEventsTest {
    private static final MonitorListener.VmRef VM = new MonitorListener.VmRef("lab-1", "u-1", 1);
    private static final Snapshot.Proc SH = new Snapshot.Proc(100, 1, "sh", "sh -c loop", "/bin/busybox", 0, 0, 3.5, false);
    private static final Snapshot.Proc TRUE = new Snapshot.Proc(101, 100, "busybox", "/bin/busybox true zzmark7",
            "/bin/busybox", 0, 0, 9.25, false);
    private static final Snapshot.Proc CARVED = new Snapshot.Proc(102, 100, "busybox", null, null, -1, -1, 9.5, false);

    @Test void launchesSayHowTheyWereSeenAndGapsSayHowManyWereLost() {
        OcsfMapper m = new OcsfMapper();
        EventValidator v = new EventValidator(OcsfSchema.load(SchemaLocator.require(Path.of("").toAbsolutePath())));
        OcsfEvent live = m.map(VM, new Change.ProcessCaptured(TRUE, SH, Change.Capture.LIVE)).getFirst();
        OcsfEvent exec = m.map(VM, new Change.ProcessCaptured(TRUE, SH, Change.Capture.EXEC)).getFirst();
        OcsfEvent carved = m.map(VM, new Change.ProcessCaptured(CARVED, SH, Change.Capture.CARVED)).getFirst();
        OcsfEvent gap = m.map(VM, new Change.CaptureGap(2000, 1990, 4, 10)).getFirst();
        for (OcsfEvent e : List.of(live, exec, carved, gap)) {
            ValidationReport r = v.validate(e.json());
            assertThat(r.isValid()).as("%s\n%s", e.toJsonLine(), r).isTrue();
        }
        assertThat(live.json().at("/unmapped/observed_by").asText()).isEqualTo("capture:live");
        assertThat(live.json().at("/process/cmd_line").asText()).isEqualTo("/bin/busybox true zzmark7");
        assertThat(live.json().at("/process/parent_process/pid").asInt()).isEqualTo(100);
        assertThat(exec.json().at("/unmapped/observed_by").asText()).isEqualTo("capture:exec");
        assertThat(carved.json().at("/unmapped/observed_by").asText()).isEqualTo("capture:carved");
        assertThat(carved.json().at("/process/cmd_line").isMissingNode()).as("a carved task has no argv left").isTrue();
        assertThat(gap.classUid()).isEqualTo(5019);
        assertThat(gap.json().at("/unmapped/capture_lost").asLong()).isEqualTo(10);
        assertThat(gap.json().path("message").asText()).startsWith("4 processes started");
    }

    @Test void countersGiveTheTasksBegunAndNeverANegativeCount() {
        assertThat(ProcessCapture.delta(new Processes.Counters(500, 120), new Processes.Counters(507, 127))).isEqualTo(7);
        // no fork counter: the PID cursor; a wrap at pid_max is unknown, not negative
        assertThat(ProcessCapture.delta(new Processes.Counters(-1, 120), new Processes.Counters(-1, 125))).isEqualTo(5);
        assertThat(ProcessCapture.delta(new Processes.Counters(-1, 32760), new Processes.Counters(-1, 300))).isZero();
        assertThat(ProcessCapture.delta(new Processes.Counters(-1, -1), new Processes.Counters(-1, -1))).isZero();
    }
}
