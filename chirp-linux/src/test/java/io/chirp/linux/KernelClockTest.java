package io.chirp.linux;

import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/** Converting the kernel's clocks to UTC with the timekeeper's offsets. */
class KernelClockTest {
    // booted at 2026-01-01T00:00:00Z, suspended 30 s since, last tick 100 s after boot
    private final KernelClock c = new KernelClock(1_767_225_600_000_000_000L, 30_000_000_000L, 1_767_225_730L);

    @Test
    void monotonicTimesCountFromTheBootAndBoottimeTimesFromBeforeTheSuspends() {
        assertThat(c.boot()).isEqualTo(Instant.parse("2026-01-01T00:00:00Z"));
        assertThat(c.monotonic(12.5)).isEqualTo(Instant.parse("2026-01-01T00:00:12.500Z"));
        // boottime includes the 30 s suspended: the same instant is 30 s later on the boottime clock
        assertThat(c.boottime(42.5)).isEqualTo(c.monotonic(12.5));
        assertThat(c.uptimeSeconds()).isEqualTo(160.0);
    }
}
