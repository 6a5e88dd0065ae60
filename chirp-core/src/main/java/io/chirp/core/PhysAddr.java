package io.chirp.core;

/** A guest-physical address. Distinct from {@link VirtAddr} so the two can never be mixed up. */
public record PhysAddr(long value) implements Comparable<PhysAddr> {
    public static PhysAddr of(long value) { return new PhysAddr(value); }

    /** {@return this address plus {@code delta} bytes} */
    public PhysAddr plus(long delta) { return new PhysAddr(value + delta); }

    @Override public int compareTo(PhysAddr o) { return Long.compareUnsigned(value, o.value); }

    @Override public String toString() { return "0x" + Long.toHexString(value); }
}
