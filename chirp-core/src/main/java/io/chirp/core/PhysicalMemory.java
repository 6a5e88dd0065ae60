package io.chirp.core;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.List;

/**
 * Guest-physical memory, from any source: a live VM's shared RAM file, a memory image, or a slow
 * hypervisor channel. Sources implement one read; the typed helpers are default methods.
 *
 * <p>Live sources change while they are read: a read is coherent per aligned 8-byte word at best,
 * never atomic across a structure. Callers validate what they read.
 */
public interface PhysicalMemory extends AutoCloseable {

    ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** {@return a short human description, saying which path is in use (e.g. "shared RAM file ... (live, zero-copy)")} */
    String describe();

    /** {@return the backed guest-physical ranges, sorted by start} */
    List<MemoryRange> ranges();

    /**
     * {@return the parts of {@link #ranges()} that may hold nonzero bytes, sorted by start} Everything else in the
     * ranges reads as zeros. A source that knows where its holes are (a sparse file: guest pages never touched, a raw
     * image written sparsely) says so, and scanners skip them instead of reading gigabytes of zeros. By default
     * every backed byte may hold data. For a live source the answer is a snapshot: holes fill as the guest runs.
     */
    default List<MemoryRange> populated() { return ranges(); }

    /**
     * A hint that scattered small reads follow ({@code true}: probes one per 2 MiB) or scans again ({@code false}).
     * A memory-mapped source turns the kernel's read-ahead off meanwhile: each probe of a file mapping otherwise
     * brings in (and maps) a whole read-ahead window, megabytes per probe. Default: nothing to do.
     */
    default void scatteredReads(boolean scattered) { }

    /**
     * {@return the error to raise for a fault while reading this memory or a {@link #view} of it} A mapped file that
     * shrinks under its mapping (the RAM file of a VM that was stopped or resized, an image truncated while open)
     * makes reads fault: the JVM turns the SIGBUS into an {@link InternalError} ({@link #isAccessFault}), which
     * callers reading views catch and pass here, so the operator learns what happened instead of seeing a crash.
     */
    default ChirpException accessFault(Throwable fault) {
        return ChirpException.io("reading " + describe() + " faulted: " + fault.getMessage(), fault);
    }

    /** {@return true if {@code e} is the JVM's report of a fault (SIGBUS, SIGSEGV) in a memory-segment access} */
    static boolean isAccessFault(Throwable e) {
        return e instanceof InternalError && e.getMessage() != null && e.getMessage().contains("unsafe memory access");
    }

    /** {@return true if the source is a running guest (its contents change while read)} */
    boolean isLive();

    /**
     * Copies {@code length} bytes starting at guest-physical {@code pa} into {@code dst} at {@code dstOffset}.
     *
     * @throws UnmappedException if any byte of the range is not backed
     */
    void read(long pa, MemorySegment dst, long dstOffset, long length);

    /**
     * {@return a zero-copy view of [pa, pa+length) if the source is memory-mapped and the range is contiguous,
     * or {@code null}} The view is read-only and valid until the source is closed.
     */
    default MemorySegment view(long pa, long length) { return null; }

    /** {@return true if every byte of [pa, pa+length) is backed} */
    default boolean isBacked(long pa, long length) {
        long end = pa + length;
        long cur = pa;
        for (MemoryRange r : ranges()) {
            if (r.contains(cur)) {
                if (Long.compareUnsigned(r.end(), end) >= 0) return true;
                cur = r.end();
            }
        }
        return length == 0;
    }

    default byte[] readBytes(long pa, int length) {
        byte[] out = new byte[length];
        read(pa, MemorySegment.ofArray(out), 0, length);
        return out;
    }

    default long readLong(long pa) {
        MemorySegment v = view(pa, 8);
        if (v != null) return v.get(LONG, 0);
        return MemorySegment.ofArray(readBytes(pa, 8)).get(LONG, 0);
    }

    default int readInt(long pa) {
        MemorySegment v = view(pa, 4);
        if (v != null) return v.get(INT, 0);
        return MemorySegment.ofArray(readBytes(pa, 4)).get(INT, 0);
    }

    /** {@return the highest backed address plus one} */
    default long limit() {
        List<MemoryRange> r = ranges();
        return r.isEmpty() ? 0 : r.getLast().end();
    }

    @Override void close();
}
