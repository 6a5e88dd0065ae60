package io.chirp.symbols.kernel;

import io.chirp.core.ChirpException;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The export-table reader on a hand-built image: 12-byte position-relative entries, as arm64 6.1 lays them out. */
class TextOnlyKallsymsTest {
    private static final long BASE = 0x4020_0000L;

    /** Entries at 0x100 (value, name, namespace offsets, each relative to its own field), names at 0x800. */
    private static byte[] image(String... names) {
        byte[] img = new byte[4096];
        ByteBuffer b = ByteBuffer.wrap(img).order(ByteOrder.LITTLE_ENDIAN);
        int str = 0x800;
        img[str++] = 0; // the empty namespace string
        int empty = 0x800;
        for (int i = 0; i < names.length; i++) {
            int e = 0x100 + 12 * i;
            byte[] n = names[i].getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(n, 0, img, str, n.length);
            b.putInt(e, 0xc00 + 0x40 * i - e);      // value
            b.putInt(e + 4, str - (e + 4));         // name
            b.putInt(e + 8, empty - (e + 8));       // namespace
            str += n.length + 1;
        }
        return img;
    }

    @Test
    void everyEntryOfTheTableResolvesToAPhysicalAddress() {
        Map<String, Long> ex = TextOnlyKallsyms.exports(image("init_pid_ns", "init_task", "memstart_addr"), BASE);
        assertThat(ex).containsExactly(Map.entry("init_pid_ns", BASE + 0xc00), Map.entry("init_task", BASE + 0xc40),
                Map.entry("memstart_addr", BASE + 0xc80));
    }

    @Test
    void aTableWithoutTheAnchorsIsNotGuessed() {
        assertThatThrownBy(() -> TextOnlyKallsyms.exports(image("printk", "memstart_addr"), BASE))
                .isInstanceOf(ChirpException.class).hasMessageContaining("init_task");
    }
}
