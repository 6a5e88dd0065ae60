package io.chirp.symbols.kernel;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;

import static org.assertj.core.api.Assertions.assertThat;

/** SipHash-2-4 against the reference implementation's vectors (key 00..0f, messages 00, 00 01, ..., of length 0..63). */
class SipHashTest {
    /** vectors.h of github.com/veorq/SipHash, vectors_sip64[i] as little-endian 64-bit values, for a few lengths. */
    @Test
    void referenceVectors() {
        byte[] key = new byte[16];
        for (int i = 0; i < 16; i++) key[i] = (byte) i;
        assertThat(tag(key, 0)).isEqualTo(0x726fdb47dd0e0e31L);
        assertThat(tag(key, 1)).isEqualTo(0x74f839c593dc67fdL);
        assertThat(tag(key, 7)).isEqualTo(0xab0200f58b01d137L);
        assertThat(tag(key, 8)).isEqualTo(0x93f5f5799a932462L);
        assertThat(tag(key, 15)).isEqualTo(0xa129ca6149be45e5L);
        assertThat(tag(key, 63)).isEqualTo(0x958a324ceb064572L);
    }

    private static long tag(byte[] key, int len) {
        byte[] m = new byte[len];
        for (int i = 0; i < len; i++) m[i] = (byte) i;
        return SipHash.tag(key, MemorySegment.ofArray(m));
    }
}
