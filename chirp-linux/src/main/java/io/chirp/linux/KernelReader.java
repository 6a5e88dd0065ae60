package io.chirp.linux;

import io.chirp.core.ChirpException;
import io.chirp.core.GuestText;
import io.chirp.core.VirtAddr;
import io.chirp.paging.AddressSpace;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Typed reads of guest-virtual memory. Every value is attacker-controlled: sizes are capped here, and callers
 * treat pointers as untrusted numbers until a read through them succeeds.
 *
 * <p><b>Guest strings</b> ({@code comm}, argv, environment, path components, module names, log lines, socket paths)
 * are decoded by {@link #decode} and by nothing else, so that no byte is lost: the kernel treats them as bytes, and
 * a rootkit may hide behind bytes that are not UTF-8. It is {@link GuestText}'s {@code HEX_ESCAPE} form (the disk's
 * file names use the same decoder in its surrogate form):
 * <ul>
 *   <li>well-formed UTF-8 becomes the characters it encodes (control characters included: escaping them for a
 *       terminal is the display's job);</li>
 *   <li>a byte that does not start a well-formed UTF-8 sequence (a stray continuation byte, a truncated sequence,
 *       an overlong form, a surrogate, anything above U+10FFFF) becomes the four characters {@code \xNN}, NN its
 *       value in lower-case hex;</li>
 *   <li>a backslash becomes two backslashes, so {@code \\xff} (the guest's text "\xff") and {@code \xff} (the byte
 *       0xff) can never be confused.</li>
 * </ul>
 * The original bytes are recovered by {@link #encode}. A backslash followed by anything but a backslash or
 * {@code x} never comes from the guest: callers may use such a sequence as an out-of-band marker.
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
     * page still reads), decoded by {@link #decode}.
     */
    public String cstring(long va, int max) {
        byte[] out = new byte[Math.min(max, MAX_READ)];
        int n = 0;
        while (n < out.length) {
            int chunk = (int) Math.min(out.length - n, 4096 - ((va + n) & 4095));
            byte[] b = bytes(va + n, chunk);
            for (byte x : b) {
                if (x == 0) return decode(out, 0, n);
                out[n++] = x;
            }
        }
        return decode(out, 0, n);
    }

    /** Reads a fixed-size char array (such as {@code task_struct.comm}) up to its first NUL. */
    public String chars(long va, int size) {
        byte[] b = bytes(va, size);
        int n = 0;
        while (n < b.length && b[n] != 0) n++;
        return decode(b, 0, n);
    }

    /** {@return all of {@code b} decoded as a guest string (see the class comment)} */
    public static String decode(byte[] b) { return decode(b, 0, b.length); }

    /** {@return bytes {@code [off, off+len)} of {@code b} decoded as a guest string (see the class comment)} */
    public static String decode(byte[] b, int off, int len) {
        return GuestText.decode(b, off, len, GuestText.Invalid.HEX_ESCAPE);
    }

    /** {@return the guest bytes a {@link #decode}d string came from} The inverse of decode, for any of its results. */
    public static byte[] encode(String s) { return GuestText.encodeHexEscaped(s); }

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
