package io.chirp.linux;

import io.chirp.core.ChirpException;
import io.chirp.core.VirtAddr;
import io.chirp.paging.AddressSpace;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Typed reads of guest-virtual memory. Every value is attacker-controlled: sizes are capped here, and callers
 * treat pointers as untrusted numbers until a read through them succeeds.
 */
public final class KernelReader {
    /** The largest single read a walker may ask for. */
    public static final int MAX_READ = 16 << 20;
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final AddressSpace space;

    public KernelReader(AddressSpace space) { this.space = space; }

    public AddressSpace space() { return space; }

    /** {@return a reader of the same memory through another address space (a process's)} */
    public KernelReader in(AddressSpace other) { return new KernelReader(other); }

    public long u64(long va) { return space.readLong(new VirtAddr(va)); }

    public int u32(long va) { return MemorySegment.ofArray(bytes(va, 4)).get(U32, 0); }

    public int u16(long va) { return MemorySegment.ofArray(bytes(va, 2)).get(U16, 0) & 0xffff; }

    public int u8(long va) { return bytes(va, 1)[0] & 0xff; }

    /** Reads an integer of 1, 2, 4 or 8 bytes, zero-extended. */
    public long unsigned(long va, int size) {
        return switch (size) {
            case 1 -> u8(va);
            case 2 -> u16(va);
            case 4 -> u32(va) & 0xffff_ffffL;
            case 8 -> u64(va);
            default -> throw new IllegalArgumentException("integer size " + size);
        };
    }

    public byte[] bytes(long va, int length) {
        if (length < 0 || length > MAX_READ) throw ChirpException.corrupt("refusing a read of " + length + " bytes");
        return space.read(new VirtAddr(va), length);
    }

    /**
     * Reads a NUL-terminated string of at most {@code max} bytes (page by page, so a string near an unmapped
     * page still reads). Invalid UTF-8 is kept visible as replacement characters; callers escape for display.
     */
    public String cstring(long va, int max) {
        byte[] out = new byte[Math.min(max, MAX_READ)];
        int n = 0;
        while (n < out.length) {
            int chunk = (int) Math.min(out.length - n, 4096 - ((va + n) & 4095));
            byte[] b = bytes(va + n, chunk);
            for (byte x : b) {
                if (x == 0) return new String(out, 0, n, StandardCharsets.UTF_8);
                out[n++] = x;
            }
        }
        return new String(out, 0, n, StandardCharsets.UTF_8);
    }

    /** Reads a fixed-size char array (such as {@code task_struct.comm}) up to its first NUL. */
    public String chars(long va, int size) {
        byte[] b = bytes(va, size);
        int n = 0;
        while (n < b.length && b[n] != 0) n++;
        return new String(b, 0, n, StandardCharsets.UTF_8);
    }

    /** {@return true if {@code va} can be read} */
    public boolean readable(long va) {
        try {
            space.readLong(new VirtAddr(va));
            return true;
        } catch (ChirpException e) {
            return false;
        }
    }
}
