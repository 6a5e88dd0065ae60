package io.chirp.core;

/** A guest-virtual address, meaningful only together with an address space (a CR3). */
public record VirtAddr(long value) implements Comparable<VirtAddr> {
    public static VirtAddr of(long value) { return new VirtAddr(value); }

    /** {@return this address plus {@code delta} bytes} */
    public VirtAddr plus(long delta) { return new VirtAddr(value + delta); }

    @Override public int compareTo(VirtAddr o) { return Long.compareUnsigned(value, o.value); }

    @Override public String toString() { return "0x" + Long.toHexString(value); }
}
