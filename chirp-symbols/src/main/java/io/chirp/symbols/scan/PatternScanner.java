package io.chirp.symbols.scan;

import io.chirp.core.MemoryRange;
import io.chirp.core.PhysicalMemory;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Finds a byte pattern in all backed guest-physical memory, chunk by chunk: straight out of the source's
 * zero-copy view when it has one, else through one reusable buffer filled by bulk reads (never byte-by-byte
 * reads through the source).
 */
public final class PatternScanner {
    /** Chunk size: big enough to amortise the copy, small enough to stay in a cache-friendly heap array. */
    static final int DEFAULT_CHUNK = 16 << 20;
    /** Runs of data shorter than this on average make a scan "scattered" (see {@link PhysicalMemory#scatteredReads}). */
    static final long FRAGMENTED_RUN = 4 << 20;

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
        List<MemoryRange> parts = scanned(memory, overlap);
        long bytes = 0;
        for (MemoryRange r : parts) bytes += r.size();
        // Many small runs of data between holes (a lightly used guest's RAM file): read-ahead would bring in
        // megabytes of holes around each, so it is turned off for this scan.
        boolean scattered = parts.size() > 16 && bytes / parts.size() < FRAGMENTED_RUN;
        if (scattered) memory.scatteredReads(true);
        try {
            ranges:
            for (MemoryRange r : parts) {
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
                    if (seg != buf && seg.isMapped()) release(memory, pa, len, seg);
                    // Every pattern has all the hits asked for: the rest of memory cannot change the answer.
                    if (allFull(hits)) break ranges;
                    if (pa + len == r.end()) break;
                    pa += len - overlap;
                }
            }
        } catch (InternalError e) {
            if (PhysicalMemory.isAccessFault(e)) throw memory.accessFault(e); // a mapped file shrank under the scan
            throw e;
        } finally {
            if (scattered) memory.scatteredReads(false);
        }
        long[][] out = new long[patterns.length][];
        for (int p = 0; p < patterns.length; p++) out[p] = hits[p].toArray();
        return out;
    }

    /**
     * Drops a scanned view from the resident set, widened to 2 MiB alignment where memory allows: a fault maps
     * neighbouring pages too (fault-around, large folios), and for a short run of data between holes those
     * neighbours are most of what was mapped.
     */
    private static void release(PhysicalMemory memory, long pa, int len, MemorySegment seg) {
        long from = pa & -RELEASE, to = (pa + len + RELEASE - 1) & -RELEASE;
        MemorySegment wide = from == pa && to == pa + len ? null : memory.view(from, to - from);
        (wide != null && wide.isMapped() ? wide : seg).unload();
    }

    private static final long RELEASE = 2 << 20;

    /**
     * {@return what to scan: the populated parts of memory (holes read as zeros and are skipped), each widened by
     * {@code overlap} bytes on both sides within its backed range, so that a pattern reaching into a hole with
     * zero bytes is still found; overlapping parts merged}
     */
    static List<MemoryRange> scanned(PhysicalMemory memory, int overlap) {
        List<MemoryRange> backed = memory.ranges();
        List<MemoryRange> data = memory.populated();
        if (data == backed) return backed;
        List<MemoryRange> out = new ArrayList<>();
        for (MemoryRange d : data) {
            MemoryRange in = null;
            for (MemoryRange b : backed) if (b.contains(d.start())) in = b;
            if (in == null) continue;
            long s = Math.max(in.start(), d.start() - overlap), e = Math.min(in.end(), d.end() + overlap);
            MemoryRange last = out.isEmpty() ? null : out.getLast();
            if (last != null && last.end() >= s && last.start() >= in.start() && last.end() <= in.end()) {
                out.set(out.size() - 1, new MemoryRange(last.start(), Math.max(last.end(), e), last.name()));
            } else {
                out.add(new MemoryRange(s, e, in.name()));
            }
        }
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
