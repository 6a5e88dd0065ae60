package io.chirp.disk.fs;

import io.chirp.core.GuestText;

/**
 * File names from a guest's disk: decoded without loss, shown without harm.
 *
 * <p>ext4 names are bytes. {@link #decode} reads them as UTF-8 and keeps every byte that is not valid UTF-8 as a
 * lone surrogate U+DC80..U+DCFF (Python's "surrogateescape"; the decoder is {@link GuestText}'s, shared with memory), so the name still matches its own directory entry
 * and no byte is lost. {@link #escape} is what every text output (body files, manifests) shows:
 * <ul>
 *   <li>{@code \} as {@code \\}, so an escape in the output always means an escape;</li>
 *   <li>{@code |} as {@code \x7c}: body files separate columns with it. The Sleuth Kit leaves it as is, so a name
 *       like {@code a|99|r-rwxrwxrwx|0|0|1} forges columns in {@code fls -m} output; CHIRP does not follow it;</li>
 *   <li>C0 controls, DEL and C1 controls as {@code \xNN} (the Sleuth Kit writes C0 as {@code ^}, losing which);</li>
 *   <li>bidirectional and other invisible format controls (U+202E and friends) as <code>&#92;u202e</code>, so a name cannot
 *       reorder what is printed after it ("txt.exe" shown as "exe.txt");</li>
 *   <li>bytes that were not UTF-8 as {@code \xNN}.</li>
 * </ul>
 */
public final class GuestNames {
    private GuestNames() {}

    /** {@return {@code len} bytes at {@code off} as UTF-8, invalid bytes kept as U+DC80+byte} */
    public static String decode(byte[] b, int off, int len) {
        return GuestText.decode(b, off, len, GuestText.Invalid.SURROGATE);
    }

    /** {@return {@code s} with every character that could mislead a reader or a parser escaped (see the class doc)} */
    public static String escape(String s) {
        StringBuilder sb = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            String rep = replacement(s, i, c);
            if (rep != null && sb == null) sb = new StringBuilder(s.length() + 16).append(s, 0, i);
            if (sb != null) {
                if (rep != null) sb.append(rep);
                else sb.append(c);
            }
        }
        return sb == null ? s : sb.toString();
    }

    private static String replacement(String s, int i, char c) {
        if (c == '\\') return "\\\\";
        if (c == '|' || c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0)) return String.format("\\x%02x", (int) c);
        if (c >= 0xDC80 && c <= 0xDCFF && (i == 0 || !Character.isHighSurrogate(s.charAt(i - 1)))) {
            return String.format("\\x%02x", c & 0xff); // a byte that was not UTF-8
        }
        if (Character.isSurrogate(c)) {
            boolean paired = Character.isHighSurrogate(c) ? i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))
                    : i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
            return paired ? null : String.format("\\u%04x", (int) c);
        }
        if (isFormatControl(c)) return String.format("\\u%04x", (int) c);
        return null;
    }

    /** Bidi embeddings, overrides and isolates, marks, and zero-width characters. */
    private static boolean isFormatControl(char c) {
        return c == 0x061c || c == 0x200b || c == 0x200c || c == 0x200d || c == 0x200e || c == 0x200f
                || (c >= 0x202a && c <= 0x202e) || (c >= 0x2060 && c <= 0x2069) || c == 0xfeff;
    }
}
