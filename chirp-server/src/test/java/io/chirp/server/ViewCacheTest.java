package io.chirp.server;

import io.chirp.core.ChirpException;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The view cache reads the guest once for callers who ask together, says how old an answer is, and keeps no failure. */
class ViewCacheTest {
    @Test
    void callersAskingTogetherShareOneRead() throws Exception {
        ViewCache cache = new ViewCache();
        AtomicInteger reads = new AtomicInteger();
        List<Thread> ts = new ArrayList<>();
        List<Map<String, Object>> answers = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int i = 0; i < 8; i++) {
            ts.add(Thread.ofVirtual().start(() -> answers.add(cache.get("pslist", false, () -> {
                reads.incrementAndGet();
                sleep(300);
                return Map.of("rows", List.of(1, 2, 3));
            }))));
        }
        for (Thread t : ts) t.join();
        assertThat(reads).hasValue(1);
        assertThat(answers).hasSize(8).allSatisfy(a -> {
            assertThat(a).containsEntry("rows", List.of(1, 2, 3));
            assertThat((Long) a.get("age_ms")).isBetween(0L, ViewCache.TTL_MS);
        });
        cache.get("pslist", true, () -> Map.of("rows", List.of(reads.incrementAndGet())));
        assertThat(reads).as("fresh reads again").hasValue(2);
        assertThat(cache.get("pslist", false, () -> Map.of("rows", List.of(reads.incrementAndGet())))).containsEntry("rows", List.of(2));
    }

    @Test
    void aFailedReadIsNotKept() {
        ViewCache cache = new ViewCache();
        assertThatThrownBy(() -> cache.get("k", false, () -> { throw ChirpException.unavailable("QMP held"); }))
                .hasMessageContaining("QMP held");
        assertThat(cache.get("k", false, () -> Map.of("ok", true))).containsEntry("ok", true);
    }

    @Test
    void answersExpire() {
        ViewCache cache = new ViewCache();
        AtomicInteger reads = new AtomicInteger();
        cache.get("k", false, () -> Map.of("n", reads.incrementAndGet()));
        sleep(ViewCache.TTL_MS + 100);
        assertThat(cache.get("k", false, () -> Map.of("n", reads.incrementAndGet()))).containsEntry("n", 2);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }
}
