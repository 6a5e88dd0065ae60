package io.chirp.core;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** The one guest-text decoder, in both of its forms, held to the JDK's strict UTF-8 decoder and to its inverse. */
class GuestTextTest {

    /** The JDK's own decoder with every malformed byte kept as U+DC80+byte: what the disk's names used before. */
    private static String jdkSurrogateEscape(byte[] b) {
        CharsetDecoder d = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(b);
        CharBuffer out = CharBuffer.allocate(b.length * 2 + 1);
        while (true) {
            CoderResult r = d.decode(in, out, true);
            if (!r.isError()) break;
            for (int i = 0; i < r.length(); i++) out.put((char) (0xDC00 | (in.get() & 0xff)));
        }
        d.flush(out);
        return out.flip().toString();
    }

    @Test
    void surrogateFormAgreesWithTheJdkDecoderOnRandomBytes() {
        Random rnd = new Random(13);
        // bytes biased towards UTF-8 lead and continuation bytes, so that valid, truncated and overlong sequences mix
        int[] pool = {'a', '\\', 0x00, 0x7f, 0x80, 0xbf, 0xc0, 0xc2, 0xdf, 0xe0, 0xa0, 0xed, 0x9f, 0xef, 0xf0, 0x90, 0xf4, 0x8f, 0xf5, 0xff};
        for (int n = 0; n < 20_000; n++) {
            byte[] b = new byte[rnd.nextInt(12)];
            for (int i = 0; i < b.length; i++) b[i] = (byte) (rnd.nextBoolean() ? pool[rnd.nextInt(pool.length)] : rnd.nextInt(256));
            assertThat(GuestText.decode(b, 0, b.length, GuestText.Invalid.SURROGATE)).as("%s", java.util.HexFormat.of().formatHex(b))
                    .isEqualTo(jdkSurrogateEscape(b));
            String hex = GuestText.decode(b, 0, b.length, GuestText.Invalid.HEX_ESCAPE);
            assertThat(GuestText.encodeHexEscaped(hex)).isEqualTo(b);
        }
    }

    @Test
    void bothFormsKeepInvalidBytesAndOnlyTheHexFormDoublesBackslashes() {
        byte[] b = {'a', '\\', (byte) 0xff, (byte) 0xc3, (byte) 0xa9};
        assertThat(GuestText.decode(b, 0, b.length, GuestText.Invalid.HEX_ESCAPE)).isEqualTo("a\\\\\\xff\u00e9");
        assertThat(GuestText.decode(b, 0, b.length, GuestText.Invalid.SURROGATE)).isEqualTo("a\\\udcff\u00e9");
        assertThat(GuestText.decode(b, 1, 2, GuestText.Invalid.HEX_ESCAPE)).isEqualTo("\\\\\\xff");
    }
}
