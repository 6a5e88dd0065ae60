package io.chirp.hypervisor.qemu;

import io.chirp.core.MemoryRange;
import io.chirp.core.PhysicalMemory;
import io.chirp.core.UnmappedException;

import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * Guest-physical memory read through QEMU's gdbstub in physical mode ({@code Qqemu.PhyMemMode:1}).
 * The last resort: QEMU keeps the VM stopped while a gdb client is attached, so the guest is paused for as
 * long as this source is open. CHIRP says so wherever this path is used.
 */
public final class GdbMemory implements PhysicalMemory {
    private final GdbRemote gdb;
    private final List<MemoryRange> ranges;
    private final Runnable release;

    /** Reads through {@code gdb}, which this source closes. */
    public GdbMemory(GdbRemote gdb, List<MemoryRange> ranges) { this(gdb, ranges, gdb::close); }

    /** Reads through {@code gdb}; on close, {@code release} lets go of it (e.g. a broker's lease that owns it). */
    public GdbMemory(GdbRemote gdb, List<MemoryRange> ranges, Runnable release) {
        this.gdb = gdb;
        this.ranges = List.copyOf(ranges);
        this.release = release;
        gdb.physicalMode(true);
    }

    @Override public String describe() { return "gdbstub physical reads (slow; the VM is paused while attached)"; }

    @Override public List<MemoryRange> ranges() { return ranges; }

    @Override public boolean isLive() { return true; }

    @Override
    public void read(long pa, MemorySegment dst, long dstOffset, long length) {
        if (!isBacked(pa, length)) throw new UnmappedException(pa, false, "outside the guest's RAM");
        long done = 0;
        while (done < length) {
            int n = (int) Math.min(length - done, 1 << 16);
            byte[] b = gdb.readMemory(pa + done, n);
            MemorySegment.copy(MemorySegment.ofArray(b), 0, dst, dstOffset + done, n);
            done += n;
        }
    }

    @Override
    public void close() {
        try {
            gdb.physicalMode(false);
        } finally {
            release.run();
        }
    }
}
