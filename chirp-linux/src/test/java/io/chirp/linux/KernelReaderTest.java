package io.chirp.linux;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The guest-string scheme of {@link KernelReader#decode}: nothing lost, nothing confusable. */
class KernelReaderTest {
    private static byte[] b(int... v) {
        byte[] out = new byte[v.length];
        for (int i = 0; i < v.length; i++) out[i] = (byte) v[i];
        return out;
    }

    @Test
    void wellFormedUtf8IsKeptAndInvalidBytesBecomeHexEscapes() {
        assertThat(KernelReader.decode("sshd: root@pts/0".getBytes(StandardCharsets.UTF_8))).isEqualTo("sshd: root@pts/0");
        assertThat(KernelReader.decode("café ☃ 𝄞".getBytes(StandardCharsets.UTF_8))).isEqualTo("café ☃ 𝄞");
        assertThat(KernelReader.decode(b('a', 0xff, 'b'))).isEqualTo("a\\xffb");
        assertThat(KernelReader.decode(b(0xc3))).isEqualTo("\\xc3"); // truncated sequence
        assertThat(KernelReader.decode(b(0xc0, 0xaf))).isEqualTo("\\xc0\\xaf"); // overlong '/'
        assertThat(KernelReader.decode(b(0xed, 0xa0, 0x80))).isEqualTo("\\xed\\xa0\\x80"); // a UTF-16 surrogate
        assertThat(KernelReader.decode(b(0xf4, 0x90, 0x80, 0x80))).isEqualTo("\\xf4\\x90\\x80\\x80"); // > U+10FFFF
        assertThat(KernelReader.decode(b(0xe2, 0x98, 'x'))).isEqualTo("\\xe2\\x98x");
        assertThat(KernelReader.decode(b(0x1b, '[', '2', 'J'))).isEqualTo("\u001b[2J"); // escaping for a terminal is the display's job
    }

    @Test
    void aLiteralBackslashStaysDistinguishableFromAnEscape() {
        String text = KernelReader.decode("\\xff".getBytes(StandardCharsets.UTF_8));
        String oneByte = KernelReader.decode(b(0xff));
        assertThat(text).isEqualTo("\\\\xff");
        assertThat(oneByte).isEqualTo("\\xff");
        assertThat(text).isNotEqualTo(oneByte);
        assertThat(KernelReader.decode(b('\\'))).isEqualTo("\\\\");
    }

    @Test
    void encodeGivesBackTheGuestsBytesForAnyInput() {
        Random rnd = new Random(42);
        for (int i = 0; i < 2000; i++) {
            byte[] in = new byte[rnd.nextInt(40)];
            rnd.nextBytes(in);
            if (i % 3 == 0) for (int j = 0; j < in.length; j++) if (rnd.nextInt(4) == 0) in[j] = '\\';
            assertThat(KernelReader.encode(KernelReader.decode(in))).isEqualTo(in);
        }
        assertThatThrownBy(() -> KernelReader.encode("a\\qb")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void stringsAreReadUpToTheirNulThroughPageTables() {
        SyntheticKernelMemory mem = new SyntheticKernelMemory();
        long va = mem.alloc(64);
        mem.putBytes(va, b('e', 'v', 0xff, 'l', 0, 'x'));
        KernelReader r = mem.reader();
        assertThat(r.cstring(va, 64)).isEqualTo("ev\\xffl");
        assertThat(r.chars(va, 3)).isEqualTo("ev\\xff");
    }
}
