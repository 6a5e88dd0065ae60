package io.chirp.server;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A short-lived cache of view answers (a Linux view of a live guest costs an attach and a walk; a console polling
 * it every second from several tabs should not pay that each time). Guest state is live, so an entry lives
 * {@link #TTL_MS} at most and the answer says how old it is ({@code age_ms}); at most {@link #MAX} entries, the
 * oldest dropped first. Every call is still authenticated, checked and audited: only the guest read is shared.
 */
final class ViewCache {
    /** How long an answer is reused. */
    static final long TTL_MS = 2_000;
    /** Most answers kept. */
    static final int MAX = 256;

    private record Cached(Map<String, Object> answer, long at) {}

    private final Map<String, Cached> entries = new LinkedHashMap<>(16, 0.75f, false) {
        @Override protected boolean removeEldestEntry(Map.Entry<String, Cached> e) { return size() > MAX; }
    };

    /**
     * {@return the answer for {@code key}: a fresh one from {@code compute} unless one younger than the TTL exists
     * and {@code fresh} is false} A fresh answer replaces the cached one.
     */
    Map<String, Object> get(String key, boolean fresh, Supplier<Map<String, Object>> compute) {
        long now = System.nanoTime();
        Cached e;
        synchronized (this) {
            e = entries.get(key);
        }
        if (fresh || e == null || now - e.at() > TTL_MS * 1_000_000L) {
            // computed outside the lock: two callers may both read the guest once, never wait on each other's read
            e = new Cached(compute.get(), System.nanoTime());
            synchronized (this) {
                entries.put(key, e);
            }
        }
        Map<String, Object> m = new LinkedHashMap<>(e.answer());
        m.put("age_ms", (System.nanoTime() - e.at()) / 1_000_000L);
        return m;
    }
}
