package io.chirp.detect.rule;

import io.chirp.detect.Level;
import io.chirp.detect.LogSource;
import io.chirp.detect.RuleProblem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class RuleLoaderTest {
    static final String RULE = """
            title: Netcat Reverse Shell
            id: 11111111-2222-3333-4444-555555555555
            status: test
            description: nc -e
            references:
                - https://example.org
            author: CHIRP
            date: 2026-01-01
            modified: 2026-01-02
            tags:
                - attack.execution
                - attack.t1059
            logsource:
                category: process_creation
                product: linux
            detection:
                selection_img:
                    Image|endswith:
                        - '/nc'
                        - '/ncat'
                selection_cli:
                    - CommandLine|contains: ' -e '
                    - CommandLine|contains|all: [' -c ', 'sh']
                keywords:
                    - 'evil'
                nullable:
                    ParentImage: null
                    LogonId: 0
                    Initiated: true
                condition: all of selection_*
            falsepositives:
                - Admins
            level: high
            fields:
                - CommandLine
            """;

    private final RuleLoader loader = new RuleLoader();

    @Test void parsesEveryStandardAttribute() {
        RuleLoader.Result r = loader.loadText(RULE, "nc.yml");
        assertThat(r.problems()).isEmpty();
        SigmaRule rule = r.rules().getFirst();
        assertThat(rule.title()).isEqualTo("Netcat Reverse Shell");
        assertThat(rule.id()).isEqualTo("11111111-2222-3333-4444-555555555555");
        assertThat(rule.status()).isEqualTo("test");
        assertThat(rule.references()).containsExactly("https://example.org");
        assertThat(rule.author()).isEqualTo("CHIRP");
        assertThat(rule.date()).isEqualTo("2026-01-01");
        assertThat(rule.modified()).isEqualTo("2026-01-02");
        assertThat(rule.tags()).containsExactly("attack.execution", "attack.t1059");
        assertThat(rule.logSource()).isEqualTo(new LogSource("process_creation", "linux", null));
        assertThat(rule.falsePositives()).containsExactly("Admins");
        assertThat(rule.level()).isEqualTo(Level.HIGH);
        assertThat(rule.fields()).containsExactly("CommandLine");
        assertThat(rule.source()).isEqualTo("nc.yml");

        SigmaDetection d = rule.detection();
        assertThat(d.searches().keySet()).containsExactly("selection_img", "selection_cli", "keywords", "nullable");
        assertThat(d.conditions()).containsExactly("all of selection_*");
        FieldSpec img = d.searches().get("selection_img").anyOf().getFirst().getFirst();
        assertThat(img).isEqualTo(new FieldSpec("Image|endswith", "Image", List.of("endswith"), List.of("/nc", "/ncat")));
        assertThat(d.searches().get("selection_cli").anyOf()).hasSize(2);
        assertThat(d.searches().get("selection_cli").anyOf().get(1).getFirst().modifiers()).containsExactly("contains", "all");
        FieldSpec kw = d.searches().get("keywords").anyOf().getFirst().getFirst();
        assertThat(kw.keyword()).isTrue();
        assertThat(kw.values()).containsExactly("evil");
        List<FieldSpec> nullable = d.searches().get("nullable").anyOf().getFirst();
        assertThat(nullable.get(0).values()).containsExactly((Object) null);
        assertThat(nullable.get(1).values()).containsExactly(0L);
        assertThat(nullable.get(2).values()).containsExactly(true);
    }

    @Test void badRulesAreReportedAndSkippedWithoutStoppingTheRest(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("a_good.yml"), RULE);
        Files.writeString(dir.resolve("b_syntax.yml"), "title: x\n  bad: [indent\n");
        Files.writeString(dir.resolve("c_nodetection.yml"), "title: x\nlogsource: {product: linux}\n");
        Files.writeString(dir.resolve("d_nested.yml"), "title: x\nlogsource: {product: linux}\ndetection:\n  sel:\n    Image: {a: b}\n  condition: sel\n");
        Files.writeString(dir.resolve("e_level.yml"), RULE.replace("level: high", "level: urgent"));
        Files.createDirectories(dir.resolve("sub"));
        Files.writeString(dir.resolve("sub/f_good.yaml"), RULE.replace("11111111", "99999999"));
        Files.writeString(dir.resolve("notes.txt"), "not a rule");

        RuleLoader.Result r = loader.loadDirectory(dir);
        assertThat(r.rules()).extracting(SigmaRule::id).containsExactly(
                "11111111-2222-3333-4444-555555555555", "99999999-2222-3333-4444-555555555555");
        assertThat(r.problems()).extracting(RuleProblem::source).containsExactly("b_syntax.yml", "c_nodetection.yml", "d_nested.yml", "e_level.yml");
        assertThat(r.problems().get(0).reason()).startsWith("YAML syntax");
        assertThat(r.problems().get(1).reason()).isEqualTo("detection is missing or not a mapping");
        assertThat(r.problems().get(2).reason()).contains("nested object");
        assertThat(r.problems().get(3).reason()).contains("unknown level 'urgent'");
        assertThat(r.problems().get(3).ruleId()).isEqualTo("11111111-2222-3333-4444-555555555555");
    }

    @Test void collectionsMergeGlobalAndSupportResetAndRepeat() {
        String yaml = """
                action: global
                title: Shell spawned
                author: CHIRP
                logsource:
                    product: linux
                detection:
                    condition: selection
                level: high
                ---
                id: r1
                logsource:
                    category: process_creation
                detection:
                    selection:
                        Image|endswith: /sh
                ---
                action: repeat
                id: r2
                detection:
                    selection:
                        Image|endswith: /bash
                ---
                action: reset
                ---
                id: r3
                title: Alone
                logsource: {product: linux}
                detection:
                    s: {Image: x}
                    condition: s
                ---
                action: explode
                """;
        RuleLoader.Result r = loader.loadText(yaml, "coll.yml");
        assertThat(r.rules()).extracting(SigmaRule::id).containsExactly("r1", "r2", "r3");
        SigmaRule r1 = r.rules().get(0), r2 = r.rules().get(1), r3 = r.rules().get(2);
        assertThat(r1.title()).isEqualTo("Shell spawned");
        assertThat(r1.logSource()).isEqualTo(new LogSource("process_creation", "linux", null));
        assertThat(r1.detection().conditions()).containsExactly("selection");
        assertThat(r1.source()).isEqualTo("coll.yml#2");
        assertThat(r2.detection().searches().get("selection").anyOf().getFirst().getFirst().values()).containsExactly("/bash");
        assertThat(r2.logSource().category()).isEqualTo("process_creation");
        assertThat(r3.author()).isNull();
        assertThat(r3.level()).isNull();
        assertThat(r.problems()).singleElement().satisfies(p -> {
            assertThat(p.source()).isEqualTo("coll.yml#6");
            assertThat(p.reason()).contains("unknown collection action 'explode'");
        });
    }

    @Test void aliasesAreRefusedSoAliasBombsCannotExpand() {
        StringBuilder yaml = new StringBuilder("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for (char c = 'b'; c <= 'k'; c++) {
            char p = (char) (c - 1);
            yaml.append(c).append(": &").append(c).append(" [*").append(p).append(", *").append(p).append(", *").append(p)
                    .append(", *").append(p).append(", *").append(p).append(", *").append(p).append("]\n");
        }
        RuleLoader.Result r = loader.loadText(yaml.toString(), "bomb.yml");
        assertThat(r.rules()).isEmpty();
        assertThat(r.problems()).singleElement().satisfies(p -> assertThat(p.reason()).contains("aliases (*a) are not supported"));
    }

    @Test void missingFolderIsNotFound() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> loader.loadDirectory(Path.of("/nonexistent/rules")))
                .hasMessageContaining("does not exist");
    }
}
