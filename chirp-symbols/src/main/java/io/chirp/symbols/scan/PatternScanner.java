package io.chirp.symbols.scan;

import io.chirp.core.MemoryRange;
import io.chirp.core.PhysicalMemory;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * Finds a byte pattern in all backed guest-physical memory. Memory is copied in large chunks (from the source's
 * zero-copy view when it has one) into one reusable array and searched there: a plain array loop is what the
 * JIT turns into the fastest scan, and bulk copies of 16 MiB cost little next to it.
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
        if (pattern.length == 0 || pattern.length >= chunk) throw new IllegalArgumentException("bad pattern length");
        long[] hits = new long[Math.min(maxHits, 64)];
        int count = 0;
        byte[] buf = new byte[chunk];
        MemorySegment bufSeg = MemorySegment.ofArray(buf);
        int overlap = pattern.length - 1;
        for (MemoryRange r : memory.ranges()) {
            long pa = r.start();
            while (Long.compareUnsigned(pa, r.end()) < 0 && count < maxHits) {
                int len = (int) Math.min(chunk, r.end() - pa);
                if (len < pattern.length) break;
                MemorySegment view = memory.view(pa, len);
                if (view != null) MemorySegment.copy(view, ValueLayout.JAVA_BYTE, 0, bufSeg, ValueLayout.JAVA_BYTE, 0, len);
                else memory.read(pa, bufSeg, 0, len);
                int last = len - pattern.length;
                for (int i = indexOf(buf, pattern, 0, last); i >= 0 && count < maxHits;
                     i = indexOf(buf, pattern, i + 1, last)) {
                    if (count == hits.length) hits = Arrays.copyOf(hits, Math.min(maxHits, hits.length * 2));
                    hits[count++] = pa + i;
                }
                if (pa + len == r.end()) break;
                pa += len - overlap; // the next chunk re-reads the tail, so a pattern across the boundary is seen once
            }
        }
        return Arrays.copyOf(hits, count);
    }

    /** {@return the first index in [from, last] where {@code pattern} starts, or -1} */
    static int indexOf(byte[] buf, byte[] pattern, int from, int last) {
        byte first = pattern[0];
        outer:
        for (int i = from; i <= last; i++) {
            if (buf[i] != first) continue;
            for (int j = 1; j < pattern.length; j++) {
                if (buf[i + j] != pattern[j]) continue outer;
            }
            return i;
        }
        return -1;
    }
}
