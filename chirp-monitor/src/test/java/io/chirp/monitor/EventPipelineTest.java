package io.chirp.monitor;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chirp.detect.DetectionFindings;
import io.chirp.detect.Detector;
import io.chirp.events.OcsfEvent;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The hardening issue's evasion finding: with {@code (.*a){12}EVIL}, a guest that pads its command line exhausts the
 * regex's step budget. The pipeline must say the rule could not be evaluated (an "evaluation incomplete" finding in
 * the event stream), not stay silent as if the rule had not matched.
 */
class EventPipelineTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String RULE = """
            title: Evil marker after many a
            id: 7d0c4a57-0000-4000-8000-00000000e411
            level: high
            logsource: {category: process_creation, product: linux}
            detection:
                sel:
                    CommandLine|re: '(.*a){12}EVIL'
                condition: sel
            """;

    private static OcsfEvent launch(String cmdLine) throws Exception {
        ObjectNode n = (ObjectNode) JSON.readTree("""
                {"class_uid": 1007, "activity_id": 1, "type_uid": 100701, "severity_id": 1, "time": 1760000000000,
                 "metadata": {"uid": "ev-1", "version": "1.8.0", "product": {"name": "CHIRP"}},
                 "device": {"name": "lab-1"},
                 "process": {"pid": 77, "file": {"path": "/usr/bin/sh"}, "user": {"name": "alice"}}}
                """);
        n.withObject("/process").put("cmd_line", cmdLine);
        return new OcsfEvent(n);
    }

    @Test void paddedCommandLineGivesAnIncompleteFindingNotSilence() throws Exception {
        List<OcsfEvent> seen = new ArrayList<>();
        List<EventPipeline.Alert> alerts = new ArrayList<>();
        MonitorListener.VmRef vm = new MonitorListener.VmRef("lab-1", "u-1", 1);
        try (EventPipeline p = new EventPipeline(List.of(), Detector.fromYaml(RULE, "r.yml"), alerts::add, seen::add)) {
            p.emit(vm, launch("sh -c " + "a".repeat(12) + "EVIL"));
            assertThat(alerts).as("the plain attack still fires").hasSize(1);
            assertThat(p.undecided()).isZero();

            seen.clear();
            p.emit(vm, launch("sh -c " + "a".repeat(400) + "EVI"));
            assertThat(seen).as("the event and a finding about it").hasSize(2);
            ObjectNode finding = seen.get(1).json();
            assertThat(finding.path("class_uid").asInt()).isEqualTo(2004);
            assertThat(DetectionFindings.isIncomplete(finding)).isTrue();
            assertThat(finding.at("/evidences/0/data/evaluation").asText()).isEqualTo("incomplete");
            assertThat(finding.at("/evidences/0/data/reasons/0").asText()).contains("exceeded its budget");
            assertThat(finding.at("/finding_info/analytic/uid").asText()).isEqualTo("7d0c4a57-0000-4000-8000-00000000e411");
            assertThat(p.undecided()).isEqualTo(1);
            assertThat(alerts).as("an undecided rule is not a detection").hasSize(1);

            seen.clear();
            p.emit(vm, launch("ls -l"));
            assertThat(seen).as("a benign short command line is just the event").hasSize(1);
        }
    }
}
