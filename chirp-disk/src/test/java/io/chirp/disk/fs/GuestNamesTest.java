package io.chirp.disk.fs;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** Names decoded without loss and escaped without ambiguity; modes as ls and as the Sleuth Kit write them. */
class GuestNamesTest {

    @Test
    void invalidUtf8IsKeptAsEscapedBytes() {
        byte[] raw = {'a', (byte) 0xff, 'b', (byte) 0xc3, (byte) 0xa9, (byte) 0xe2, (byte) 0x82};
        String s = GuestNames.decode(raw, 0, raw.length);
        assertThat(GuestNames.escape(s)).isEqualTo("a\\xffb\u00e9\\xe2\\x82");
        // distinct byte strings stay distinct names
        assertThat(GuestNames.decode(new byte[]{(byte) 0xfe}, 0, 1)).isNotEqualTo(GuestNames.decode(new byte[]{(byte) 0xff}, 0, 1));
        String emoji = "x\uD83D\uDE00y";
        byte[] utf8 = emoji.getBytes(StandardCharsets.UTF_8);
        assertThat(GuestNames.decode(utf8, 0, utf8.length)).isEqualTo(emoji);
        assertThat(GuestNames.escape(emoji)).isEqualTo(emoji);
    }

    @Test
    void separatorsControlsAndBidiAreEscaped() {
        assertThat(GuestNames.escape("pipe|99|r-rwxrwxrwx|0|0|1")).isEqualTo("pipe\\x7c99\\x7cr-rwxrwxrwx\\x7c0\\x7c0\\x7c1");
        assertThat(GuestNames.escape("a\u0001\u001b[0m\u007f\u0085\u009b")).isEqualTo("a\\x01\\x1b[0m\\x7f\\x85\\x9b");
        assertThat(GuestNames.escape("evil\u202etxt.exe\u2066\u200f")).isEqualTo("evil\\u202etxt.exe\\u2066\\u200f");
        assertThat(GuestNames.escape("back\\x7c")).isEqualTo("back\\\\x7c"); // a literal backslash never reads as an escape
        assertThat(GuestNames.escape("plain name é.txt")).isEqualTo("plain name é.txt");
    }

    @Test
    void bodyLineOfAForgedNameHasElevenColumns() {
        FileMeta m = new FileMeta(17, FileType.REGULAR, 0644, 0, 0, 5, 1, Macb.NONE, true, Optional.empty(), List.of());
        FileRecord r = new FileRecord("/pipe|99|r-rwxrwxrwx|0|0|1", new DirEntry("pipe|99|r-rwxrwxrwx|0|0|1", 17, FileType.REGULAR, false),
                Optional.of(m), Optional.empty());
        String line = BodyFile.line(r, "");
        assertThat(line.split("\\|", -1)).hasSize(11);
        assertThat(line).startsWith("0|/pipe\\x7c99\\x7cr-rwxrwxrwx\\x7c0\\x7c0\\x7c1|17|r/rrw-r--r--|0|0|5|");
    }

    @Test
    void modesAsLsAndAsTheSleuthKit() {
        FileMeta reg = new FileMeta(1, FileType.REGULAR, 0644, 0, 0, 0, 1, Macb.NONE, true, Optional.empty(), List.of());
        assertThat(reg.lsMode()).isEqualTo("-rw-r--r--");
        assertThat(reg.tskMode()).isEqualTo("rrw-r--r--");
        FileMeta dir = new FileMeta(2, FileType.DIRECTORY, 01777, 0, 0, 0, 1, Macb.NONE, true, Optional.empty(), List.of());
        assertThat(dir.lsMode()).isEqualTo("drwxrwxrwt");
        FileMeta suid = new FileMeta(3, FileType.REGULAR, 04755, 0, 0, 0, 1, Macb.NONE, true, Optional.empty(), List.of());
        assertThat(suid.lsMode()).isEqualTo("-rwsr-xr-x");
        FileMeta link = new FileMeta(4, FileType.SYMLINK, 0777, 0, 0, 0, 1, Macb.NONE, true, Optional.of("t"), List.of());
        assertThat(link.lsMode()).isEqualTo("lrwxrwxrwx");
    }
}
