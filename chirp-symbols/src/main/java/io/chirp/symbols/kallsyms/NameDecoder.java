package io.chirp.symbols.kallsyms;

import io.chirp.symbols.scan.GuestWindow;

import java.nio.charset.StandardCharsets;

/**
 * Expands {@code kallsyms_names}: per symbol a length (one byte, or two when bit 7 of the first is set, 6.1+)
 * then that many token numbers. The first expanded character is the nm type letter.
 */
final class NameDecoder {
    /** KSYM_NAME_LEN is 512 since 6.1; longer expansions mean we are not decoding names. */
    static final int MAX_NAME = 512;
    private static final String TYPES = "aAbBdDrRtTvVwWuUnNgGsScCiIpP?";

    /**
     * The decoded names.
     *
     * @param types type letter per symbol
     * @param names name per symbol (without the type letter)
     */
    record Names(char[] types, String[] names) {}

    private NameDecoder() {}

    /**
     * The entries' layout without their expansion: cheap enough to run on every candidate.
     *
     * @param starts offset of each entry from the start of the table
     * @param end    guest-physical address one past the last entry
     */
    record Entries(int[] starts, long end) {}

    /** {@return the layout of {@code count} entries at {@code pa}, or null if they run past {@code limit}} */
    static Entries entries(GuestWindow w, long pa, int count, long limit) {
        int[] starts = new int[count];
        long p = pa;
        for (int i = 0; i < count; i++) {
            if (p >= limit || !w.contains(p, 2)) return null;
            long rel = p - pa;
            if (rel > Integer.MAX_VALUE) return null;
            starts[i] = (int) rel;
            int len = w.u8(p++);
            if ((len & 0x80) != 0) len = (len & 0x7f) | (w.u8(p++) << 7);
            if (len == 0 || len > MAX_NAME) return null;
            p += len;
        }
        return p <= limit ? new Entries(starts, p) : null;
    }

    /** {@return the expanded names of already-validated entries, or null if any looks implausible} */
    static Names expand(GuestWindow w, long pa, Entries e, TokenTable tokens) {
        int count = e.starts().length;
        char[] types = new char[count];
        String[] names = new String[count];
        byte[][] tok = tokens.tokens();
        byte[] buf = new byte[MAX_NAME * 2];
        for (int i = 0; i < count; i++) {
            long p = pa + e.starts()[i];
            int len = w.u8(p++);
            if ((len & 0x80) != 0) len = (len & 0x7f) | (w.u8(p++) << 7);
            byte[] raw = w.bytes(p, len);
            int n = 0;
            for (byte b : raw) {
                byte[] t = tok[b & 0xff];
                if (n + t.length > MAX_NAME) return null;
                System.arraycopy(t, 0, buf, n, t.length);
                n += t.length;
            }
            if (n < 2 || TYPES.indexOf(buf[0]) < 0) return null;
            for (int j = 1; j < n; j++) {
                if (buf[j] <= ' ' || buf[j] > '~') return null;
            }
            types[i] = (char) buf[0];
            names[i] = new String(buf, 1, n - 1, StandardCharsets.ISO_8859_1);
        }
        return new Names(types, names);
    }

    /** {@return true if the markers at {@code pa} are exactly the entry offsets of every 256th symbol} */
    static boolean markersMatch(GuestWindow w, long pa, int size, Entries names) {
        int k = (names.starts().length + 255) >>> 8;
        if (!w.contains(pa, (long) k * size)) return false;
        for (int j = 0; j < k; j++) {
            long m = size == 4 ? w.u32(pa + 4L * j) : w.u64(pa + 8L * j);
            if (m != names.starts()[j << 8]) return false;
        }
        return true;
    }
}
