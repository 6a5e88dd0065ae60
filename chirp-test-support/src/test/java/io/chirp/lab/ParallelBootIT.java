package io.chirp.lab;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two lab guests boot at the same time in one JVM (as two test classes run in parallel would): both come up, and
 * their boots overlap in time, image lookup included (the lab image lock is shared by readers, see
 * {@code GuestImageLockTest}).
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class ParallelBootIT {
    record Boot(LabGuest guest, long startNanos, long endNanos) {}

    @Test
    void twoGuestsBootSideBySideInOneJvm() throws Exception {
        Lab lab = Lab.fromEnvironment();
        // two TCG boots share the machine: give each the time of a slow one
        Lab.Options o = new Lab.Options(null, Scenario.standard(), 512L << 20, 1, ProcessHandle.current().pid(), "",
                Duration.ofMinutes(6));
        CyclicBarrier go = new CyclicBarrier(2);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        List<Future<Boot>> boots = new ArrayList<>();
        try {
            for (int i = 0; i < 2; i++) {
                boots.add(pool.submit(() -> {
                    go.await(30, TimeUnit.SECONDS);
                    long start = System.nanoTime();
                    LabGuest g = lab.boot(o);
                    return new Boot(g, start, System.nanoTime());
                }));
            }
            Boot a = boots.get(0).get(14, TimeUnit.MINUTES), b = boots.get(1).get(14, TimeUnit.MINUTES);
            System.out.printf("boot A %.1f s, boot B %.1f s, overlap %.1f s%n", (a.endNanos() - a.startNanos()) / 1e9,
                    (b.endNanos() - b.startNanos()) / 1e9,
                    (Math.min(a.endNanos(), b.endNanos()) - Math.max(a.startNanos(), b.startNanos())) / 1e9);
            assertThat(a.guest().name()).isNotEqualTo(b.guest().name());
            assertThat(a.guest().isAlive()).isTrue();
            assertThat(b.guest().isAlive()).isTrue();
            assertThat(a.guest().pid()).isNotEqualTo(b.guest().pid());
            // each waited for its guest's ready marker while the other did too
            assertThat(a.startNanos()).isLessThan(b.endNanos());
            assertThat(b.startNanos()).isLessThan(a.endNanos());
            long overlap = Math.min(a.endNanos(), b.endNanos()) - Math.max(a.startNanos(), b.startNanos());
            long shorter = Math.min(a.endNanos() - a.startNanos(), b.endNanos() - b.startNanos());
            assertThat(overlap).as("the boots ran side by side for most of the shorter one").isGreaterThan(shorter / 2);
            assertThat(a.guest().groundTruth().processes()).isNotEmpty();
            assertThat(b.guest().groundTruth().processes()).isNotEmpty();
        } finally {
            for (Future<Boot> f : boots) {
                try {
                    f.get(14, TimeUnit.MINUTES).guest().close();
                } catch (Exception ignored) {
                    // a boot that failed has nothing to stop; its failure is the test's
                }
            }
            pool.shutdownNow();
        }
    }
}
