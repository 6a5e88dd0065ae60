package io.chirp.server;

import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

import static org.assertj.core.api.Assertions.assertThat;

/** The sliding window of failed sign-ins, on a clock the test moves. */
class SignInLimiterTest {
    private static final class Moving extends Clock {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");
        @Override public ZoneOffset getZone() { return ZoneOffset.UTC; }
        @Override public Clock withZone(java.time.ZoneId z) { return this; }
        @Override public Instant instant() { return now; }
    }

    @Test
    void aUserIsRefusedAfterTheLimitUntilTheOldestFailureLeavesTheWindow() {
        Moving clock = new Moving();
        SignInLimiter l = new SignInLimiter(clock);
        for (int i = 0; i < SignInLimiter.PER_USER; i++) {
            assertThat(l.refusal("ann", "10.0.0.1")).isEmpty();
            l.failed("ann", "10.0.0.1");
            clock.now = clock.now.plusSeconds(1);
        }
        assertThat(l.refusal("ann", "10.0.0.9")).as("from any address").hasValueSatisfying(m -> assertThat(m).contains("user"));
        assertThat(l.refusal("bea", "10.0.0.9")).isEmpty();
        clock.now = clock.now.plus(SignInLimiter.WINDOW).minusSeconds(SignInLimiter.PER_USER - 1);
        assertThat(l.refusal("ann", "10.0.0.1")).as("the first failure left the window").isEmpty();
    }

    @Test
    void anAddressIsRefusedAcrossUsersAndSuccessForgivesOnlyTheUser() {
        SignInLimiter l = new SignInLimiter(new Moving());
        for (int i = 0; i < SignInLimiter.PER_ADDRESS; i++) l.failed("u" + (i % 7), "10.0.0.2");
        assertThat(l.refusal("new-user", "10.0.0.2")).hasValueSatisfying(m -> assertThat(m).contains("address"));
        assertThat(l.refusal(null, "10.0.0.2")).as("tokens too").isPresent();
        assertThat(l.refusal("new-user", "10.0.0.3")).isEmpty();
        for (int i = 0; i < SignInLimiter.PER_USER; i++) l.failed("dan", "10.0.0.4");
        l.succeeded("dan");
        assertThat(l.refusal("dan", "10.0.0.5")).isEmpty();
    }

    @Test
    void memoryIsBoundedWhateverTheNamesTried() {
        SignInLimiter l = new SignInLimiter(new Moving());
        for (int i = 0; i < SignInLimiter.KEYS * 2; i++) l.failed("name" + i, "10.0.0.6");
        // the address, failing most recently, is still tracked; the oldest names were dropped
        assertThat(l.refusal("other", "10.0.0.6")).isPresent();
        assertThat(l.refusal("name0", "10.0.0.7")).isEmpty();
        assertThat(Duration.ofMinutes(15)).isEqualTo(SignInLimiter.WINDOW);
    }
}
