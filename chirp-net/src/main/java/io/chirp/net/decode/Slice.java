package io.chirp.net.decode;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A bounds-checked window on packet bytes. Every read names an index relative to the window and fails with
 * {@link Malformed} when it would leave it, so a parser written against a Slice cannot read what a hostile
 * length field points at outside its own layer. Slices share the packet's array; nothing is copied.
 *
 * @param array  the packet bytes (never modified)
 * @param offset where the window starts in {@code array}
 * @param length how many bytes the window holds
 */
public record Slice(byte[] array, int offset, int length) {
    public Slice {
        if (offset < 0 || length < 0 || offset > array.length || length > array.length - offset) {
            throw new IllegalArgumentException("slice " + offset + "+" + length + " outside " + array.length);
        }
    }

    /** {@return a slice over a whole array} */
    public static Slice of(byte[] bytes) { return new Slice(bytes, 0, bytes.length); }

    /** {@return an empty slice} */
    public static Slice empty() { return new Slice(new byte[0], 0, 0); }

    /** {@return true if {@code n} bytes are readable at {@code index}} */
    public boolean has(int index, int n) { return index >= 0 && n >= 0 && index <= length - n; }

    private void check(int index, int n) {
        if (!has(index, n)) throw new Malformed("needs " + n + " byte(s) at " + index + ", have " + length);
    }

    public int u8(int index) {
        check(index, 1);
        return array[offset + index] & 0xff;
    }

    public int u16(int index) {
        check(index, 2);
        return ((array[offset + index] & 0xff) << 8) | (array[offset + index + 1] & 0xff);
    }

    public int u24(int index) {
        check(index, 3);
        return (u8(index) << 16) | u16(index + 1);
    }

    public long u32(int index) {
        check(index, 4);
        return ((long) u16(index) << 16) | u16(index + 2);
    }

    /** {@return the window {@code [from, from + n)}} */
    public Slice sub(int from, int n) {
        check(from, n);
        return new Slice(array, offset + from, n);
    }

    /** {@return the window from {@code from} to the end} */
    public Slice from(int from) {
        check(from, 0);
        return new Slice(array, offset + from, length - from);
    }

    /** {@return the first {@code n} bytes, or all of them if there are fewer} */
    public Slice head(int n) { return new Slice(array, offset, Math.min(n, length)); }

    /** {@return a copy of {@code n} bytes at {@code from}} */
    public byte[] bytes(int from, int n) {
        check(from, n);
        return Arrays.copyOfRange(array, offset + from, offset + from + n);
    }

    /** {@return the bytes at {@code [from, from + n)} as ISO-8859-1 text (one char per byte, never fails)} */
    public String latin1(int from, int n) {
        check(from, n);
        return new String(array, offset + from, n, StandardCharsets.ISO_8859_1);
    }

    /** {@return the index of {@code b} at or after {@code from}, or -1} */
    public int indexOf(int b, int from) {
        for (int i = Math.max(0, from); i < length; i++) {
            if ((array[offset + i] & 0xff) == b) return i;
        }
        return -1;
    }

    /** Thrown by a read outside the window; parsers turn it into a value saying what was malformed. */
    public static final class Malformed extends RuntimeException {
        public Malformed(String message) {
            super(message, null, false, false); // no stack trace: hostile input makes these common, and cheap
        }
    }
}
