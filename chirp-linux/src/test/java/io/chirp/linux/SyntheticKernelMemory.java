package io.chirp.linux;

import io.chirp.core.MemoryRange;
import io.chirp.core.PhysAddr;
import io.chirp.core.PhysicalMemory;
import io.chirp.core.UnmappedException;
import io.chirp.paging.AddressSpace;
import io.chirp.paging.PagingMode;

import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.List;

/**
 * A synthetic guest for walker tests: 8 MiB of heap "RAM" whose upper 6 MiB are mapped at {@link #BASE} (a
 * direct-map address) by real x86-64 page tables (2 MiB pages), so walkers read it through the production
 * {@link AddressSpace} and {@link KernelReader}. Objects are allocated with {@link #alloc}; {@link #UNMAPPED} is a
 * kernel address no page table maps, for the bad pointers a rootkit would write.
 */
final class SyntheticKernelMemory implements PhysicalMemory {
    static final long BASE = 0xffff_8880_0020_0000L;
    static final long UNMAPPED = 0xffff_8880_4000_0000L;
    private static final long RAM = 8 << 20, FIRST = 2 << 20;
    private final MemorySegment bytes = MemorySegment.ofArray(new byte[(int) RAM]);
    private long next = BASE;

    SyntheticKernelMemory() {
        // PML4 at 0, PDPT at 0x1000, PD at 0x2000; PD entries 1..3 map 2 MiB pages at physical 2, 4 and 6 MiB
        long va = BASE;
        putPhys(8 * ((va >>> 39) & 511), 0x1000 | 3);
        putPhys(0x1000 + 8 * ((va >>> 30) & 511), 0x2000 | 3);
        for (int i = 0; i < 3; i++) putPhys(0x2000 + 8 * (((va >>> 21) & 511) + i), (FIRST + (i * (2L << 20))) | 0x83);
    }

    /** {@return a reader of kernel virtual memory through these page tables (no caching: tests write as they go)} */
    KernelReader reader() {
        return new KernelReader(AddressSpace.of(this, PagingMode.X86_64, new PhysAddr(0), 0, Duration.ZERO));
    }

    /** {@return the address of {@code size} fresh zeroed bytes, 64-byte aligned} */
    long alloc(int size) {
        long va = next;
        next += (size + 63) & ~63;
        if (next > BASE + RAM - FIRST) throw new IllegalStateException("synthetic RAM full");
        return va;
    }

    void putLong(long va, long v) { bytes.set(LONG, phys(va), v); }

    void putInt(long va, int v) { bytes.set(INT, phys(va), v); }

    void putBytes(long va, byte[] b) { MemorySegment.copy(MemorySegment.ofArray(b), 0, bytes, phys(va), b.length); }

    private static long phys(long va) {
        long pa = va - BASE + FIRST;
        if (pa < FIRST || pa >= RAM) throw new IllegalArgumentException("not synthetic RAM: 0x" + Long.toHexString(va));
        return pa;
    }

    private void putPhys(long pa, long v) { bytes.set(LONG, pa, v); }

    @Override public String describe() { return "synthetic kernel memory"; }

    @Override public List<MemoryRange> ranges() { return List.of(new MemoryRange(0, RAM, "ram")); }

    @Override public boolean isLive() { return false; }

    @Override
    public void read(long pa, MemorySegment dst, long dstOffset, long length) {
        if (pa < 0 || pa + length > RAM) throw new UnmappedException(pa, false, "synthetic RAM");
        MemorySegment.copy(bytes, pa, dst, dstOffset, length);
    }

    @Override public void close() { }
}
