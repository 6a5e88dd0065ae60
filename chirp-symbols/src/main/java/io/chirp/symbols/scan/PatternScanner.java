package io.chirp.symbols.scan;

import io.chirp.core.MemoryRange;
import io.chirp.core.PhysicalMemory;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Finds a byte pattern in all backed guest-physical memory, chunk by chunk: straight out of the source's
 * zero-copy view when it has one, else through one reusable buffer filled by bulk reads (never byte-by-byte
 * reads through the source).
 */
public final class PatternScanner {
    /** Chunk size: big enough to amortise the copy, small enough to stay in a cache-friendly heap array. */
    static final int DEFAULT_CHUNK = 16 << 20;

    private final int chunk;

    public PatternScanner() { this(DEFAULT_CHUNK); }

    /** A scanner with a given chunk size; tests use tiny chunks so every chunk-boundary path runs. */
    public PatternScanner(int chunk) {
        if (chunk < 64) throw new IllegalArgumentException("chunk too small: " + chunk);
        this.chunk = chunk;
    }

    /**
     * {@return the guest-physical addresses of the first {@code maxHits} occurrences of {@code pattern}, ascending}
     * Overlapping occurrences are all reported.
     */
    public long[] find(PhysicalMemory memory, byte[] pattern, int maxHits) {
        return find(memory, new byte[][] {pattern}, maxHits)[0];
    }

    /** {@return for each pattern, the addresses of its first {@code maxHits} occurrences}: one pass for all */
    public long[][] find(PhysicalMemory memory, byte[][] patterns, int maxHits) {
        int longest = 0;
        Hits[] hits = new Hits[patterns.length];
        for (int p = 0; p < patterns.length; p++) {
            if (patterns[p].length < 2 || patterns[p].length >= chunk) throw new IllegalArgumentException("bad pattern length");
            longest = Math.max(longest, patterns[p].length);
            hits[p] = new Hits(maxHits);
        }
        MemorySegment buf = null;
        int overlap = longest - 1;
        ranges:
        for (MemoryRange r : memory.ranges()) {
            long pa = r.start();
            while (Long.compareUnsigned(pa, r.end()) < 0) {
                int len = (int) Math.min(chunk, r.end() - pa);
                MemorySegment seg = memory.view(pa, len);
                if (seg == null) {
                    if (buf == null) buf = MemorySegment.ofArray(new byte[chunk]);
                    memory.read(pa, buf, 0, len);
                    seg = buf;
                }
                // Starts in the overlap were already tried by the previous chunk, except for the last chunk's tail.
                int lastStart = pa + len == r.end() ? len : len - overlap;
                for (int p = 0; p < patterns.length; p++) scan(seg, len, lastStart, patterns[p], pa, hits[p]);
                // A scan touches every page once: drop them from this process's resident set again (they stay in
                // the page cache), so scanning a guest's RAM costs one chunk of memory, not the whole guest.
                if (seg != buf && seg.isMapped()) seg.unload();
                // Every pattern has all the hits asked for: the rest of memory cannot change the answer.
                if (allFull(hits)) break ranges;
                if (pa + len == r.end()) break;
                pa += len - overlap;
            }
        }
        long[][] out = new long[patterns.length][];
        for (int p = 0; p < patterns.length; p++) out[p] = hits[p].toArray();
        return out;
    }

    /**
     * Word-at-a-time search for the pattern's first two bytes (the "has zero byte" bit trick applied to
     * {@code word ^ byte}, which never misses and rarely over-reports), then a full comparison at each candidate:
     * a few operations per 8 bytes, straight out of the mapping.
     */
    private static void scan(MemorySegment seg, int len, int startLimit, byte[] pattern, long pa, Hits hits) {
        int last = Math.min(len - pattern.length, startLimit - 1); // last start position tried in this chunk
        long f0 = (pattern[0] & 0xffL) * ONES;
        long f1 = (pattern[1] & 0xffL) * ONES;
        int i = 0;
        for (; i + 8 <= last + 1 && !hits.full(); i += 8) {
            long w = seg.get(WORD, i);
            // bit 8j+7 set: byte j may equal pattern[0] and byte j+1 pattern[1] (byte 7's successor is unchecked)
            long cand = zeroBytes(w ^ f0) & (zeroBytes(w ^ f1) >>> 8 | HIGH);
            while (cand != 0) {
                int j = i + (Long.numberOfTrailingZeros(cand) >>> 3);
                if (matches(seg, j, pattern)) hits.add(pa + j);
                cand &= cand - 1;
            }
        }
        for (; i <= last && !hits.full(); i++) {
            if (matches(seg, i, pattern)) hits.add(pa + i);
        }
    }

    private static boolean allFull(Hits[] hits) {
        for (Hits h : hits) if (!h.full()) return false;
        return true;
    }

    private static final long ONES = 0x0101010101010101L;
    private static final long HIGHS = 0x8080808080808080L;
    private static final long HIGH = 0x8000000000000000L;

    private static long zeroBytes(long x) { return (x - ONES) & ~x & HIGHS; }

    private static boolean matches(MemorySegment seg, long at, byte[] pattern) {
        for (int j = 0; j < pattern.length; j++) {
            if (seg.get(ValueLayout.JAVA_BYTE, at + j) != pattern[j]) return false;
        }
        return true;
    }

    private static final ValueLayout.OfLong WORD = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** A bounded, growing list of hit addresses. */
    private static final class Hits {
        private final int max;
        private long[] a = new long[16];
        private int n;

        Hits(int max) { this.max = max; }

        boolean full() { return n >= max; }

        void add(long pa) {
            if (full()) return;
            if (n == a.length) a = Arrays.copyOf(a, Math.min(max, a.length * 2));
            a[n++] = pa;
        }

        long[] toArray() { return Arrays.copyOf(a, n); }
    }
}
