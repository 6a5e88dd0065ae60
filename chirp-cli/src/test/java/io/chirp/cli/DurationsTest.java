package io.chirp.cli;

import io.chirp.core.ChirpException;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DurationsTest {
    @Test
    void asAnalystsTypeThem() {
        assertThat(Durations.parse("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(Durations.parse(" 2S ")).isEqualTo(Duration.ofSeconds(2));
        assertThat(Durations.parse("5m")).isEqualTo(Duration.ofMinutes(5));
        assertThat(Durations.parse("1h")).isEqualTo(Duration.ofHours(1));
        assertThat(Durations.parse("PT30S")).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void onlyPositiveDurationsAreAccepted() {
        for (String bad : new String[] {"0ms", "0s", "PT0S", "-1s", "PT-5S", "5x", "", "ms", "1.5s"}) {
            assertThatThrownBy(() -> Durations.parse(bad)).as(bad).isInstanceOf(ChirpException.class)
                    .hasMessageContaining("not a positive duration")
                    .satisfies(e -> assertThat(((ChirpException) e).kind()).isEqualTo(ChirpException.Kind.USAGE));
        }
    }
}
