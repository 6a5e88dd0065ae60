package io.chirp.core;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

class ChirpVersionTest {
    private static Properties props(String commit, String dirty, String time) {
        Properties p = new Properties();
        p.setProperty("version", "1.2.3");
        p.setProperty("commit", commit);
        p.setProperty("dirty", dirty);
        p.setProperty("build_time", time);
        return p;
    }

    @Test
    void placeholdersMavenDidNotFillInAreUnknown() {
        ChirpVersion v = ChirpVersion.of(props("${git.commit.id.abbrev}", "${git.dirty}", "${chirp.build.time}"));
        assertThat(v.commit()).isEqualTo(ChirpVersion.UNKNOWN);
        assertThat(v.buildTime()).isEqualTo(ChirpVersion.UNKNOWN);
        assertThat(v.dirty()).isFalse();
        assertThat(v).hasToString("1.2.3");
        assertThat(ChirpVersion.of(props("", "false", "")).commit()).isEqualTo(ChirpVersion.UNKNOWN);
        assertThat(ChirpVersion.of(new Properties()).version()).isEqualTo(ChirpVersion.UNKNOWN);
    }

    @Test
    void oneTokenForOutputsAndALineForHumans() {
        ChirpVersion v = ChirpVersion.of(props("abcdef123456", "true", "2026-12-01T10:00:00Z"));
        assertThat(v).hasToString("1.2.3+abcdef123456.dirty");
        assertThat(v.describe()).isEqualTo("CHIRP 1.2.3 (commit abcdef123456, uncommitted changes, built 2026-12-01T10:00:00Z)");
        assertThat(ChirpVersion.of(props("abcdef123456", "false", "x"))).hasToString("1.2.3+abcdef123456");
        Properties snapshot = props("abcdef123456", "false", "x");
        snapshot.setProperty("version", "0.1.0-SNAPSHOT");
        assertThat(ChirpVersion.of(snapshot).release()).isEqualTo("0.1.0");
        assertThat(ChirpVersion.of(new Properties()).release()).isEqualTo("0.0.0");
    }

    @Test
    void theBuiltResourceIsFilledIn() {
        ChirpVersion v = ChirpVersion.current();
        assertThat(v.version()).matches("\\d+\\.\\d+\\.\\d+.*");
        // Built just now by Maven: a real UTC instant, not a placeholder.
        assertThat(Instant.parse(v.buildTime())).isBefore(Instant.now().plusSeconds(60));
    }
}
