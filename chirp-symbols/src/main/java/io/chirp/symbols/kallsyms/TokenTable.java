package io.chirp.symbols.kallsyms;

import io.chirp.symbols.scan.GuestWindow;

import java.util.Optional;

/**
 * {@code kallsyms_token_table}: 256 NUL-terminated strings, each the expansion of one byte of a compressed
 * name, followed by {@code kallsyms_token_index} (256 u16 offsets of those strings, 8-aligned).
 *
 * @param pa      guest-physical address of the token table
 * @param indexPa guest-physical address of the token index
 * @param tokens  the 256 expansions (Latin-1 bytes)
 */
public record TokenTable(long pa, long indexPa, byte[][] tokens) {
    static final int COUNT = 256;
    /** Longest token scripts/kallsyms.c builds is a few dozen bytes; anything longer is not this table. */
    static final int MAX_TOKEN = 256;
    /** The "0" token's index: tokens for characters that occur in names keep their own code. */
    static final int DIGIT_ZERO_INDEX = '0';

    /** The anchor pattern: the single-character tokens "0".."9", back to back. */
    static byte[] anchor() {
        byte[] p = new byte[20];
        for (int i = 0; i < 10; i++) p[2 * i] = (byte) ('0' + i);
        return p;
    }

    /**
     * {@return the table whose "0" token sits at {@code digitsPa}, if the token index confirms it}
     * Walks forward over the tokens after "0" to the token index (walking back would need a NUL before token 0,
     * which the preceding table need not provide), takes the table start from the index, then checks all 256.
     */
    static Optional<TokenTable> at(GuestWindow w, long digitsPa) {
        long p = digitsPa;
        for (int i = DIGIT_ZERO_INDEX; i < COUNT; i++) {
            long nul = w.findNul(p, MAX_TOKEN);
            if (nul < 0 || nul == p) return Optional.empty();
            p = nul + 1;
        }
        long index = align(p, 8);
        if (!w.contains(index, 2L * COUNT)) return Optional.empty();
        long table = digitsPa - w.u16(index + 2L * DIGIT_ZERO_INDEX);
        if (table < w.start()) return Optional.empty();
        byte[][] tokens = new byte[COUNT][];
        p = table;
        for (int i = 0; i < COUNT; i++) {
            if (w.u16(index + 2L * i) != p - table) return Optional.empty();
            long nul = w.findNul(p, MAX_TOKEN);
            if (nul < 0 || nul == p) return Optional.empty();
            tokens[i] = w.bytes(p, (int) (nul - p));
            p = nul + 1;
        }
        if (align(p, 8) != index) return Optional.empty();
        return Optional.of(new TokenTable(table, index, tokens));
    }

    /** {@return the address one past the token index} */
    long indexEnd() { return indexPa + 2L * COUNT; }

    static long align(long v, int a) { return (v + a - 1) & -a; }
}
