package io.chirp.linux.scan;

import io.chirp.core.ChirpException;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The libyara binding against the real library (Debian libyara9): matches at their offsets, hostile rules bounded. */
class YaraIT {

    @Test
    void matchesAreReportedWithRuleStringAndOffset() {
        byte[] data = "....hello chirp....HELLO CHIRP..hello chirp".getBytes(StandardCharsets.US_ASCII);
        try (Yara y = Yara.compile("rule greet { strings: $a = \"hello chirp\" nocase $b = \"zzz\" condition: $a or $b }\n"
                + "rule never { condition: false }", 5, 100)) {
            Yara.Result r = y.scan(data);
            assertThat(r.truncated()).as(r.problem()).isFalse();
            assertThat(r.matches()).containsExactly(new Yara.Match("greet", "$a", 4, 11), new Yara.Match("greet", "$a", 19, 11),
                    new Yara.Match("greet", "$a", 32, 11));
            // compiled once, scanned again
            assertThat(y.scan(new byte[100]).matches()).isEmpty();
        }
    }

    @Test
    void rulesThatDoNotCompileAreAUsageErrorWithLibyarasMessage() {
        assertThatThrownBy(() -> Yara.compile("rule broken { condition: $nope }", 5, 10))
                .isInstanceOfSatisfying(ChirpException.class, e -> {
                    assertThat(e.kind()).isEqualTo(ChirpException.Kind.USAGE);
                    assertThat(e.getMessage()).contains("line 1").contains("$nope");
                });
    }

    @Test
    void hostileRulesAreBoundedByTheMatchCapAndTheTimeout() {
        byte[] data = new byte[1 << 20];
        try (Yara y = Yara.compile("rule zeros { strings: $z = { 00 00 } condition: $z }", 5, 50)) {
            Yara.Result r = y.scan(data);
            assertThat(r.truncated()).isTrue();
            assertThat(r.matches()).hasSizeLessThanOrEqualTo(50);
        }
        try (Yara y = Yara.compile("rule slow { condition: for all i in (0..2000000000) : (uint8(i % filesize) == 0) }", 1, 50)) {
            long t0 = System.nanoTime();
            Yara.Result r = y.scan(data);
            assertThat(r.truncated()).isTrue();
            assertThat(r.problem()).contains("timed out");
            assertThat((System.nanoTime() - t0) / 1e9).isLessThan(30);
        }
    }
}
