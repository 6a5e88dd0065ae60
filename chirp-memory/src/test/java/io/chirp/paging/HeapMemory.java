package io.chirp.paging;

import io.chirp.core.MemoryRange;
import io.chirp.core.PhysicalMemory;
import io.chirp.core.UnmappedException;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Guest-physical memory on the Java heap for synthetic guests: [0, size) is backed, optionally with one
 * unbacked hole. Counts reads so tests can check that batching really reads less.
 */
final class HeapMemory implements PhysicalMemory {
    private final MemorySegment bytes;
    private final List<MemoryRange> ranges;
    private final boolean viewable;
    final AtomicLong reads = new AtomicLong();

    HeapMemory(long size, boolean viewable) {
        this(size, 0, 0, viewable);
    }

    /** Backed [0, size) except [holeStart, holeEnd). */
    HeapMemory(long size, long holeStart, long holeEnd, boolean viewable) {
        this.bytes = MemorySegment.ofArray(new byte[Math.toIntExact(size)]);
        this.viewable = viewable;
        this.ranges = holeEnd > holeStart
                ? List.of(new MemoryRange(0, holeStart, "ram"), new MemoryRange(holeEnd, size, "ram"))
                : List.of(new MemoryRange(0, size, "ram"));
    }

    @Override public String describe() { return "heap memory"; }

    @Override public List<MemoryRange> ranges() { return ranges; }

    @Override public boolean isLive() { return true; }

    @Override
    public void read(long pa, MemorySegment dst, long dstOffset, long length) {
        reads.incrementAndGet();
        if (!isBacked(pa, length)) {
            long bad = pa;
            while (isBacked(bad, 1)) bad++;
            throw new UnmappedException(bad, false, "heap memory");
        }
        MemorySegment.copy(bytes, pa, dst, dstOffset, length);
    }

    @Override
    public MemorySegment view(long pa, long length) {
        if (!viewable || !isBacked(pa, length)) return null;
        reads.incrementAndGet();
        return bytes.asSlice(pa, length).asReadOnly();
    }

    void putLong(long pa, long v) { bytes.set(LONG, pa, v); }

    void putInt(long pa, int v) { bytes.set(INT, pa, v); }

    void put(long pa, byte[] data) { MemorySegment.copy(MemorySegment.ofArray(data), 0, bytes, pa, data.length); }

    @Override public void close() {}
}
