package io.chirp.core;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The one decoder of guest bytes that are meant as text (kernel strings from memory, file names from disk). Guests
 * treat names as bytes, and a rootkit may hide behind bytes that are not UTF-8, so nothing may be lost: well-formed
 * UTF-8 (Unicode 15, table 3-7: no overlongs, no surrogates, nothing above U+10FFFF) becomes the characters it
 * encodes, and every other byte is kept, one by one, in one of two reversible forms:
 * <ul>
 *   <li>{@link Invalid#HEX_ESCAPE}: the four characters {@code \xNN} (NN in lower-case hex), and a guest backslash
 *       becomes two backslashes, so {@code \\xff} (the guest's text "\xff") and {@code \xff} (the byte 0xff) never
 *       meet. Memory views use it: their strings go straight into tables, events and Sigma fields.
 *       A backslash followed by anything but a backslash or {@code x} never comes from the guest.</li>
 *   <li>{@link Invalid#SURROGATE}: the lone surrogate U+DC80+byte (Python's "surrogateescape"); backslashes stay.
 *       Disk file names use it, so a name still equals its directory entry's bytes and displays escape it once.</li>
 * </ul>
 * Control characters are decoded as they are in both forms: escaping them for a terminal is the display's job.
 */
public final class GuestText {
    /** What a byte that does not start a well-formed UTF-8 sequence becomes. */
    public enum Invalid { HEX_ESCAPE, SURROGATE }

    private GuestText() {}

    /** {@return bytes {@code [off, off+len)} of {@code b} decoded, invalid bytes kept as {@code invalid} says} */
    public static String decode(byte[] b, int off, int len, Invalid invalid) {
        java.util.Objects.checkFromIndexSize(off, len, b.length);
        boolean hex = invalid == Invalid.HEX_ESCAPE;
        StringBuilder sb = null;
        int end = off + len;
        for (int i = off; i < end; ) {
            int c = b[i] & 0xff;
            int n = c < 0x80 ? (c == '\\' && hex ? -1 : 1) : sequenceLength(b, i, end);
            if (n == 1 && sb == null) { // the common all-ASCII case allocates nothing but the result
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
                if (hex) sb.append("\\x").append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 15, 16));
                else sb.append((char) (0xDC00 | c));
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

    /** {@return the guest bytes a {@link Invalid#HEX_ESCAPE} decoding came from} Its inverse, for any of its results. */
    public static byte[] encodeHexEscaped(String s) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
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
}
