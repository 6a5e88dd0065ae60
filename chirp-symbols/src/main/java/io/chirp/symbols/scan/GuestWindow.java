package io.chirp.symbols.scan;

import io.chirp.core.ChirpException;
import io.chirp.core.MemoryRange;
import io.chirp.core.PhysicalMemory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/**
 * A bounds-checked little-endian view of one contiguous region of guest-physical memory, addressed by
 * guest-physical address. Zero-copy when the source can give a view; otherwise the region is copied once.
 *
 * <p>A live guest may write while we read: values are coherent per aligned word at most, so callers validate
 * structure (monotonic markers, cross-checked sizes), not single values.
 */
public final class GuestWindow {
    private final long start;
    private final MemorySegment seg;

    private GuestWindow(long start, MemorySegment seg) {
        this.start = start;
        this.seg = seg;
    }

    /** {@return a window over bytes of a plain array, placed at guest-physical {@code start}} */
    public static GuestWindow of(long start, byte[] bytes) {
        return new GuestWindow(start, MemorySegment.ofArray(bytes));
    }

    /**
     * {@return a window over [from, to), clipped to the backed range that contains {@code anchor}}
     *
     * @throws ChirpException UNMAPPED-like NOT_FOUND if {@code anchor} is not backed
     */
    public static GuestWindow around(PhysicalMemory memory, long anchor, long from, long to) {
        for (MemoryRange r : memory.ranges()) {
            if (!r.contains(anchor)) continue;
            // Physical addresses stay below 2^63, so signed comparisons are safe here.
            long s = Math.min(Math.max(from, r.start()), anchor);
            long e = Math.max(Math.min(to, r.end()), anchor + 1);
            long len = e - s;
            MemorySegment v = memory.view(s, len);
            if (v == null) {
                if (len > Integer.MAX_VALUE - 16) throw ChirpException.corrupt("window too large: " + len);
                v = Arena.ofAuto().allocate(len);
                memory.read(s, v, 0, len);
            }
            return new GuestWindow(s, v);
        }
        throw ChirpException.notFound("physical address 0x" + Long.toHexString(anchor) + " is not backed");
    }

    /** {@return the first guest-physical address of the window} */
    public long start() { return start; }

    /** {@return one past the last guest-physical address of the window} */
    public long end() { return start + seg.byteSize(); }

    /** {@return true if [pa, pa+len) lies inside the window} */
    public boolean contains(long pa, long len) {
        return pa >= start && len >= 0 && pa - start <= seg.byteSize() - len;
    }

    private long at(long pa, long len) {
        if (!contains(pa, len)) {
            throw ChirpException.corrupt("read of " + len + " bytes at 0x" + Long.toHexString(pa)
                    + " leaves the window [0x" + Long.toHexString(start) + ", 0x" + Long.toHexString(end()) + ")");
        }
        return pa - start;
    }

    public int u8(long pa) { return seg.get(ValueLayout.JAVA_BYTE, at(pa, 1)) & 0xff; }

    public int u16(long pa) { return seg.get(PhysicalMemory.SHORT, at(pa, 2)) & 0xffff; }

    public int s32(long pa) { return seg.get(PhysicalMemory.INT, at(pa, 4)); }

    public long u32(long pa) { return seg.get(PhysicalMemory.INT, at(pa, 4)) & 0xffffffffL; }

    public long u64(long pa) { return seg.get(PhysicalMemory.LONG, at(pa, 8)); }

    /** {@return a copy of [pa, pa+len)} */
    public byte[] bytes(long pa, int len) {
        byte[] out = new byte[len];
        MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, at(pa, len), out, 0, len);
        return out;
    }

    /** {@return the slice [pa, pa+len) as a segment, bounds-checked} */
    public MemorySegment slice(long pa, long len) { return seg.asSlice(at(pa, len), len); }

    /** {@return the guest-physical address of the first NUL at or after {@code pa} within {@code max} bytes, or -1} */
    public long findNul(long pa, int max) {
        long end = Math.min(end(), pa + max);
        for (long p = pa; p < end; p++) {
            if (seg.get(ValueLayout.JAVA_BYTE, p - start) == 0) return p;
        }
        return -1;
    }

    /** {@return the NUL-terminated Latin-1 string at {@code pa}, at most {@code max} bytes; CORRUPT if unterminated} */
    public String cString(long pa, int max) {
        at(pa, 1);
        long nul = findNul(pa, max);
        if (nul < 0) throw ChirpException.corrupt("unterminated string at 0x" + Long.toHexString(pa));
        return new String(bytes(pa, (int) (nul - pa)), StandardCharsets.ISO_8859_1);
    }
}
