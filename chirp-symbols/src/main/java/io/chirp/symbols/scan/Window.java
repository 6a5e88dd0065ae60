package io.chirp.symbols.scan;

import io.chirp.core.MemoryRange;
import io.chirp.core.PhysicalMemory;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * A view of physical memory limited to [start, end): scanning it touches only that part. Reads outside are
 * still served (scanners only scan what {@link #ranges()} lists; parsers may follow pointers anywhere).
 */
public final class Window implements PhysicalMemory {
    private final PhysicalMemory memory;
    private final List<MemoryRange> ranges;

    public Window(PhysicalMemory memory, long start, long end) {
        this.memory = memory;
        List<MemoryRange> r = new ArrayList<>();
        for (MemoryRange m : memory.ranges()) {
            long s = Math.max(m.start(), start), e = Math.min(m.end(), end);
            if (s < e) r.add(new MemoryRange(s, e, m.name()));
        }
        this.ranges = List.copyOf(r);
    }

    @Override public String describe() { return memory.describe() + " (window)"; }

    @Override public List<MemoryRange> ranges() { return ranges; }

    /** {@return the populated parts of the source, clipped to the window} */
    @Override public List<MemoryRange> populated() {
        List<MemoryRange> out = new ArrayList<>();
        for (MemoryRange m : memory.populated()) {
            for (MemoryRange w : ranges) {
                long s = Math.max(m.start(), w.start()), e = Math.min(m.end(), w.end());
                if (s < e) out.add(new MemoryRange(s, e, m.name()));
            }
        }
        out.sort(java.util.Comparator.comparingLong(MemoryRange::start));
        return out;
    }

    @Override public io.chirp.core.ChirpException accessFault(Throwable fault) { return memory.accessFault(fault); }

    @Override public void scatteredReads(boolean scattered) { memory.scatteredReads(scattered); }

    @Override public boolean isLive() { return memory.isLive(); }

    @Override public void read(long pa, MemorySegment dst, long dstOffset, long length) {
        memory.read(pa, dst, dstOffset, length);
    }

    @Override public MemorySegment view(long pa, long length) { return memory.view(pa, length); }

    @Override public void close() { }
}
