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
 *
 * <p><b>Guest strings</b> ({@code comm}, argv, environment, path components, module names, log lines, socket paths)
 * are decoded by {@link #decode} and by nothing else, so that no byte is lost: the kernel treats them as bytes, and
 * a rootkit may hide behind bytes that are not UTF-8. The scheme:
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
        StringBuilder sb = null;
        int end = off + len;
        for (int i = off; i < end; ) {
            int c = b[i] & 0xff;
            int n = c < 0x80 ? (c == '\\' ? -1 : 1) : sequenceLength(b, i, end);
            if (n == 1 && sb == null) {
                i++;
                continue;
            }
            if (sb == null) sb = new StringBuilder(len + 16).append(new String(b, off, i - off, StandardCharsets.UTF_8));
            if (n == 1) {
                sb.append((char) c);
                i++;
            } else if (n == -1) {
                sb.append("\\\\");
                i++;
            } else if (n == 0) {
                sb.append("\\x").append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 15, 16));
                i++;
            } else {
                sb.append(new String(b, i, n, StandardCharsets.UTF_8));
                i += n;
            }
        }
        return sb == null ? new String(b, off, len, StandardCharsets.US_ASCII) : sb.toString();
    }

    /** {@return the length of the well-formed UTF-8 sequence starting at {@code i} (2-4), or 0 if there is none} */
    private static int sequenceLength(byte[] b, int i, int end) {
        int c = b[i] & 0xff;
        int n, lo = 0x80, hi = 0xbf; // bounds of the second byte (Unicode 15, table 3-7)
        if (c >= 0xc2 && c <= 0xdf) n = 2;
        else if (c >= 0xe0 && c <= 0xef) {
            n = 3;
            if (c == 0xe0) lo = 0xa0;
            if (c == 0xed) hi = 0x9f; // no UTF-16 surrogates
        } else if (c >= 0xf0 && c <= 0xf4) {
            n = 4;
            if (c == 0xf0) lo = 0x90;
            if (c == 0xf4) hi = 0x8f; // nothing above U+10FFFF
        } else return 0;
        if (i + n > end) return 0;
        int second = b[i + 1] & 0xff;
        if (second < lo || second > hi) return 0;
        for (int j = 2; j < n; j++) if ((b[i + j] & 0xc0) != 0x80) return 0;
        return n;
    }

    /** {@return the guest bytes a {@link #decode}d string came from} The inverse of decode, for any of its results. */
    public static byte[] encode(String s) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(s.length());
        int start = 0;
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) != '\\') continue;
            out.writeBytes(s.substring(start, i).getBytes(StandardCharsets.UTF_8));
            if (i + 1 < s.length() && s.charAt(i + 1) == '\\') {
                out.write('\\');
                i += 1;
            } else if (i + 3 < s.length() && s.charAt(i + 1) == 'x') {
                out.write(Integer.parseInt(s, i + 2, i + 4, 16));
                i += 3;
            } else {
                throw new IllegalArgumentException("not a decoded guest string: lone backslash at " + i);
            }
            start = i + 1;
        }
        out.writeBytes(s.substring(start).getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
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
