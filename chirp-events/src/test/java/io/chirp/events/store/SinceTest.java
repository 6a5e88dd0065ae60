package io.chirp.events.store;

import io.chirp.core.ChirpException;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SinceTest {
    private static final Instant NOW = Instant.parse("2026-08-05T12:00:00Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

    @Test void relativeDurations() {
        assertThat(Since.parse("30s", CLOCK)).isEqualTo(NOW.minusSeconds(30));
        assertThat(Since.parse("10m", CLOCK)).isEqualTo(NOW.minusSeconds(600));
        assertThat(Since.parse("2h", CLOCK)).isEqualTo(NOW.minusSeconds(7200));
        assertThat(Since.parse(" 1d ", CLOCK)).isEqualTo(NOW.minusSeconds(86400));
        assertThat(Since.parse("1w", CLOCK)).isEqualTo(NOW.minusSeconds(7 * 86400));
    }

    @Test void absoluteTimes() {
        assertThat(Since.parse("2026-08-01T10:15:30Z", CLOCK)).isEqualTo(Instant.parse("2026-08-01T10:15:30Z"));
        assertThat(Since.parse("2026-08-01T10:15:30+02:00", CLOCK)).isEqualTo(Instant.parse("2026-08-01T08:15:30Z"));
        assertThat(Since.parse("2026-08-01T10:15", CLOCK)).isEqualTo(Instant.parse("2026-08-01T10:15:00Z"));
        assertThat(Since.parse("2026-08-01", CLOCK)).isEqualTo(Instant.parse("2026-08-01T00:00:00Z"));
    }

    @Test void nonsenseIsAUsageError() {
        for (String bad : new String[] {"", "yesterday", "10x", "-5m", "2026-13-01"}) {
            assertThatThrownBy(() -> Since.parse(bad, CLOCK)).as(bad).isInstanceOf(ChirpException.class)
                    .satisfies(e -> assertThat(((ChirpException) e).kind()).isEqualTo(ChirpException.Kind.USAGE));
        }
    }
}
