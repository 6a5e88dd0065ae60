package io.chirp.server.response;

import io.chirp.core.ChirpException;
import io.chirp.detect.Level;
import io.chirp.hypervisor.VmAcquisition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ResponseRulesTest {
    static final String FULL = """
            responses:
              - id: tmp-exec
                title: Collect on execution from a temporary folder
                when:
                  rules: [fcb21ce9-7ee3-49ea-82c3-8fc22b905226]
                  level: medium
                  tags: [attack.execution]
                  vms: ["web*", "db?"]
                collect:
                  memory: migration
                  capture: 10s
                  maps: true
                  executable: true
                  files: [/etc/passwd]
                limit: {per_vm: 2, window: 5m}
                case: alert
            """;

    @Test
    void theDocumentedExampleParses() {
        ResponseRule r = ResponseRules.parse(FULL, "test").getFirst();
        assertThat(r.id()).isEqualTo("tmp-exec");
        assertThat(r.collect().memory()).isEqualTo(VmAcquisition.Mode.MIGRATION);
        assertThat(r.collect().capture()).isEqualTo(Duration.ofSeconds(10));
        assertThat(r.collect().files()).containsExactly("/etc/passwd");
        assertThat(r.limit()).isEqualTo(new ResponseRule.Limit(2, Duration.ofMinutes(5)));
        assertThat(r.caseBy()).isEqualTo(ResponseRule.CaseBy.alert);
        ResponseRule.When w = r.when();
        List<String> tags = List.of("attack.execution", "attack.t1204");
        String id = "fcb21ce9-7ee3-49ea-82c3-8fc22b905226";
        assertThat(w.matches(id, Level.HIGH, tags, "web1")).isTrue();
        assertThat(w.matches(id, Level.MEDIUM, tags, "db1")).isTrue();
        assertThat(w.matches(id, Level.LOW, tags, "web1")).as("below the level").isFalse();
        assertThat(w.matches("other", Level.HIGH, tags, "web1")).as("another rule").isFalse();
        assertThat(w.matches(id, Level.HIGH, List.of("attack.persistence"), "web1")).as("no tag in common").isFalse();
        assertThat(w.matches(id, Level.HIGH, tags, "db12")).as("? is one character").isFalse();
        assertThat(w.matches(id, Level.HIGH, tags, "xweb1")).as("globs are anchored").isFalse();
    }

    @Test
    void absentConditionsMatchEverythingAndDefaultsApply() {
        ResponseRule r = ResponseRules.parse("responses:\n  - id: any\n    collect: {maps: true}\n", "t").getFirst();
        assertThat(r.when().matches("x", Level.INFORMATIONAL, List.of(), "anything")).isTrue();
        assertThat(r.limit()).isEqualTo(new ResponseRule.Limit(1, Duration.ofMinutes(10)));
        assertThat(r.caseBy()).isEqualTo(ResponseRule.CaseBy.vm);
    }

    @Test
    void mistakesAreRefusedNamingTheRule() {
        for (String[] bad : new String[][] {
                {"responses:\n  - id: a\n    collect: {maps: true, memroy: live}\n", "unknown key 'memroy'"},
                {"responses:\n  - id: a\n    collect: {}\n", "collects nothing"},
                {"responses:\n  - id: a\n    collect: {memory: fast}\n", "memory must be"},
                {"responses:\n  - id: a\n    collect: {capture: 1d}\n", "not a duration"},
                {"responses:\n  - id: a\n    collect: {capture: 11m}\n", "at most 10m"},
                {"responses:\n  - id: a\n    collect: {files: [etc/passwd]}\n", "absolute guest paths"},
                {"responses:\n  - id: a\n    collect: {files: [/a/../b]}\n", "without '..'"},
                {"responses:\n  - id: a\n    when: {level: severe}\n    collect: {maps: true}\n", "level must be"},
                {"responses:\n  - id: a b\n    collect: {maps: true}\n", "id must be"},
                {"responses:\n  - id: a\n    collect: {maps: true}\n  - id: a\n    collect: {maps: true}\n", "two response rules"},
                {"responses: []\n", "non-empty list"},
                {"- just a list\n", "expected a map"},
        }) {
            assertThatThrownBy(() -> ResponseRules.parse(bad[0], "f.response.yml")).as(bad[0]).isInstanceOf(ChirpException.class)
                    .hasMessageContaining(bad[1]);
        }
    }

    @Test
    void aFolderContributesItsResponseFilesOnly(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("a.response.yml"), FULL);
        Files.writeString(dir.resolve("sigma.yml"), "title: not a response\n");
        assertThat(ResponseRules.load(dir)).extracting(ResponseRule::id).containsExactly("tmp-exec");
        assertThat(io.chirp.detect.Detector.load(dir).problems()).as("the Sigma loader skips response files")
                .noneSatisfy(p -> assertThat(p.toString()).contains("a.response.yml"));
    }
}
