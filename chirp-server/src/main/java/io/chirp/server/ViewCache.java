package io.chirp.server;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;

/**
 * A short-lived cache of view answers (a Linux view of a live guest costs an attach and a walk; a console polling
 * it every second from several tabs should not pay that each time). Guest state is live, so an entry lives
 * {@link #TTL_MS} at most after its read ended and the answer says how old it is ({@code age_ms}, since its read
 * ended); at most {@link #MAX} entries, the
 * oldest dropped first. Callers asking while an answer is being read wait for that read rather than start their
 * own: one guest read per view at a time. Every call is still authenticated, checked and audited: only the guest
 * read is shared. A read that fails is not kept.
 */
final class ViewCache {
    /** How long an answer is reused. */
    static final long TTL_MS = 2_000;
    /** Most answers kept. */
    static final int MAX = 256;

    /**
     * One answer and when its read ended ({@code done}); its age and the TTL run from then. Counted from the start,
     * a read slower than the TTL (a pslist of a loaded TCG guest takes 2-3 s) was stale on arrival, and every caller
     * after it started a new guest read.
     */
    private record Cached(CompletableFuture<Map<String, Object>> answer, java.util.concurrent.atomic.AtomicLong done) {
        Cached() { this(new CompletableFuture<>(), new java.util.concurrent.atomic.AtomicLong(Long.MIN_VALUE)); }

        boolean fresh(long now) {
            long d = done.get();
            return !answer.isDone() || d == Long.MIN_VALUE || now - d <= TTL_MS * 1_000_000L;
        }
    }

    private final Map<String, Cached> entries = new LinkedHashMap<>(16, 0.75f, false) {
        @Override protected boolean removeEldestEntry(Map.Entry<String, Cached> e) { return size() > MAX; }
    };

    /**
     * {@return the answer for {@code key}: the cached one if younger than the TTL (or being read now) and
     * {@code fresh} is false, else a new read by {@code compute}, which replaces it}
     */
    Map<String, Object> get(String key, boolean fresh, Supplier<Map<String, Object>> compute) {
        Cached c;
        boolean mine = false;
        synchronized (this) {
            c = entries.get(key);
            if (fresh || c == null || !c.fresh(System.nanoTime()) || c.answer().isCompletedExceptionally()) {
                c = new Cached();
                entries.put(key, c);
                mine = true;
            }
        }
        if (mine) {
            try {
                Map<String, Object> a = compute.get();
                c.done().set(System.nanoTime());
                c.answer().complete(a);
            } catch (RuntimeException e) {
                c.answer().completeExceptionally(e);
                synchronized (this) {
                    entries.remove(key, c);
                }
                throw e;
            }
        }
        Map<String, Object> answer;
        try {
            answer = c.answer().join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw e;
        }
        Map<String, Object> m = new LinkedHashMap<>(answer);
        m.put("age_ms", (System.nanoTime() - c.done().get()) / 1_000_000L);
        return m;
    }
}
