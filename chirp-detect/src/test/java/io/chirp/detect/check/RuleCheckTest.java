package io.chirp.detect.check;

import io.chirp.detect.Detector;
import io.chirp.detect.LogSource;
import io.chirp.detect.ocsf.OcsfPipeline;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Each status of the check is reachable: the check can fail, and says why. */
class RuleCheckTest {
    private static String rule(String id, String logsource, String detection) {
        return "title: " + id + "\nid: " + id + "\nlogsource: " + logsource + "\ndetection:\n" + detection.stripIndent().indent(4);
    }

    private static final String PROC = "{category: process_creation, product: linux}";

    @Test void everyStatusWithItsReason(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("01_ok.yml"), rule("ok", PROC, """
                sel:
                    Image|endswith: ['/nc', '/ncat']
                    CommandLine|contains|all: [' -e ', '/bin/sh']
                filter:
                    CommandLine|contains: '-e /bin/sh'
                sel_re:
                    CommandLine|re: '\\s-(e|c)\\s+/bin/[a-z]{2,4}'
                condition: sel and sel_re
                """));
        Files.writeString(dir.resolve("02_invalid.yml"), rule("invalid", PROC, "sel:\n    Image|bogus: x\ncondition: sel"));
        Files.writeString(dir.resolve("03_auditd.yml"), rule("auditd", "{product: linux, service: auditd}", "sel:\n    type: EXECVE\ncondition: sel"));
        Files.writeString(dir.resolve("04_unmapped.yml"), rule("unmapped", PROC, "sel:\n    Hashes|contains: 'MD5='\ncondition: sel"));
        Files.writeString(dir.resolve("05_never.yml"), rule("never", PROC, "sel:\n    Image: /a\ncondition: sel and not sel"));
        Files.writeString(dir.resolve("06_benign.yml"), rule("benign", PROC, "sel:\n    Image: /a\ncondition: not sel"));
        Files.writeString(dir.resolve("07_lookaround.yml"), rule("look", PROC, "sel:\n    CommandLine|re: 'a(?=b)'\ncondition: sel"));

        RuleCheck.Report r = new RuleCheck(OcsfPipeline.standard()).check(dir);
        Map<String, RuleCheck.Result> by = new java.util.HashMap<>();
        r.results().forEach(x -> by.put(x.ruleId(), x));
        assertThat(by.get("ok").status()).as(by.get("ok").reason()).isEqualTo(RuleCheck.Status.OK);
        assertThat(by.get("invalid").status()).isEqualTo(RuleCheck.Status.INVALID);
        assertThat(by.get("invalid").reason()).contains("unknown modifier 'bogus'");
        assertThat(by.get("invalid").category()).isEqualTo("process_creation");
        assertThat(by.get("auditd").status()).isEqualTo(RuleCheck.Status.UNSUPPORTED_LOGSOURCE);
        assertThat(by.get("unmapped").status()).isEqualTo(RuleCheck.Status.UNMAPPED_FIELD);
        assertThat(by.get("unmapped").reason()).startsWith("field Hashes not in the mapping for process_creation");
        assertThat(by.get("never").status()).isEqualTo(RuleCheck.Status.NO_POSITIVE_EVENT);
        assertThat(by.get("never").reason()).contains("no combination");
        assertThat(by.get("benign").status()).isEqualTo(RuleCheck.Status.FIRES_ON_BENIGN);
        assertThat(by.get("look").status()).isEqualTo(RuleCheck.Status.NO_POSITIVE_EVENT);
        assertThat(by.get("look").reason()).contains("no sample value for regex 'a(?=b)'");
        assertThat(r.ok("process_creation")).isEqualTo(1);
        assertThat(r.total("process_creation")).isEqualTo(6);
        assertThat(r.failures()).hasSize(6);
    }

    @Test void regexSamplerBuildsStringsTheRegexFinds() {
        for (String re : new String[] {"(.){200,}", "-(W|R)\\s?(\\s|\"|')([0-9a-fA-F]{2}\\s?){2,20}(\\s|\"|')",
                "(?:\\s-[^-\\s]{0,20}i|\\s--inode\\s)", "^[^a-z]+x$", "\\x41\\.\\Qa*b\\E", "(?i)abc(?<n>d+)"}) {
            String s = RegexSampler.sample(re).orElseThrow(() -> new AssertionError(re));
            assertThat(java.util.regex.Pattern.compile(re).matcher(s).find()).as(re + " on " + s).isTrue();
        }
        assertThat(RegexSampler.sample("(a)\\1")).isEmpty();
        assertThat(RegexSampler.sample("a(?!b)")).isEmpty();
    }

    @Test void rulesWithoutACategoryNeverRunOnChirpEvents() {
        Detector d = Detector.fromYaml(rule("kw", "{product: linux}", "keywords:\n    - 'nc -e'\ncondition: keywords"), "kw.yml");
        assertThat(d.rules()).hasSize(1);
        assertThat(d.detect(io.chirp.detect.SigmaEvent.of(LogSource.linux("process_creation"), Map.of("CommandLine", "nc -e /bin/sh")))).isEmpty();
    }
}
