package io.chirp.core;

/**
 * A half-open range [start, end) of guest-physical addresses backed by memory.
 *
 * @param start first address
 * @param end   one past the last address
 * @param name  what backs it (e.g. "ram", "pc.bios")
 */
public record MemoryRange(long start, long end, String name) {
    public MemoryRange {
        if (Long.compareUnsigned(end, start) < 0) throw new IllegalArgumentException("end before start");
    }

    /** {@return the size in bytes} */
    public long size() { return end - start; }

    /** {@return true if {@code pa} lies in this range} */
    public boolean contains(long pa) {
        return Long.compareUnsigned(pa, start) >= 0 && Long.compareUnsigned(pa, end) < 0;
    }
}
