package io.chirp.paging;

import io.chirp.core.PhysAddr;
import io.chirp.core.VirtAddr;
import io.chirp.paging.TranslationResult.Mapped;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * A small per-4 KiB-page cache of successful translations. Over live memory the guest rewrites its page
 * tables at any time, so an entry is trusted only while both hold: it was made in the current epoch
 * ({@link #invalidate()} starts a new one) and it is younger than the time-to-live. Faults are not cached:
 * a page that appears must be seen at once. Bounded (LRU) so a scan of a large range cannot grow it.
 */
final class TranslationCache {
    private record Cached(long pageBase, long pageSize, PageFlags flags, long epoch, long bornNanos) {}

    private final int capacity;
    private final long ttlNanos;
    private final LongSupplier clock;
    private final Map<Long, Cached> entries;
    private long epoch;

    /**
     * @param capacity how many 4 KiB pages to remember (0 disables the cache)
     * @param ttl      how long an entry may be used; {@link Duration#ZERO} disables the cache
     * @param clock    nanosecond clock (System::nanoTime; a fake one in tests)
     */
    TranslationCache(int capacity, Duration ttl, LongSupplier clock) {
        if (capacity < 0 || ttl.isNegative()) throw new IllegalArgumentException("negative capacity or TTL");
        this.capacity = capacity;
        this.ttlNanos = ttl.toNanos();
        this.clock = clock;
        this.entries = new LinkedHashMap<>(16, 0.75f, true) {
            @Override protected boolean removeEldestEntry(Map.Entry<Long, Cached> eldest) { return size() > capacity; }
        };
    }

    private boolean enabled() { return capacity > 0 && ttlNanos > 0; }

    synchronized Mapped get(long va) {
        if (!enabled()) return null;
        Long key = va >>> 12;
        Cached e = entries.get(key);
        if (e == null) return null;
        if (e.epoch != epoch || clock.getAsLong() - e.bornNanos >= ttlNanos) {
            entries.remove(key);
            return null;
        }
        return new Mapped(new VirtAddr(va), new PhysAddr(e.pageBase | (va & 0xfff)), e.pageSize, e.flags);
    }

    synchronized void put(Mapped m) {
        if (!enabled()) return;
        long va = m.va().value();
        long base4k = m.pa().value() & ~0xfffL;
        entries.put(va >>> 12, new Cached(base4k, m.pageSize(), m.flags(), epoch, clock.getAsLong()));
    }

    /** Forgets everything: call when the guest may have changed its page tables (after a resume, a CR3 switch). */
    synchronized void invalidate() {
        epoch++;
        entries.clear();
    }

    synchronized long epoch() { return epoch; }

    synchronized int size() { return entries.size(); }
}
