package io.chirp.memory;

import io.chirp.core.ChirpException;
import io.chirp.core.MemoryRange;
import io.chirp.core.UnmappedException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code --layout}: its syntax, and a raw file whose second region follows the first in the file but not in GPA. */
class RawLayoutTest {
    @TempDir Path dir;

    @Test
    void explicitOffsetsInclusiveEndsSizesAndConcatenation() {
        assertThat(RawLayout.parse("0x0-0x7fffffff@0,0x100000000-0x17fffffff@0x80000000").segments()).containsExactly(
                new Segment(0, 0, 0x80000000L, "raw0"), new Segment(0x100000000L, 0x80000000L, 0x80000000L, "raw1"));
        // Firecracker x86-64 with 4 GiB: [0, 3.25 GiB) then 768 MiB from 4 GiB, concatenated in the file
        assertThat(RawLayout.parse("0+0xd0000000, 0x100000000+768M").segments()).containsExactly(
                new Segment(0, 0, 0xd0000000L, "raw0"), new Segment(0x100000000L, 0xd0000000L, 768L << 20, "raw1"));
        assertThat(RawLayout.parse("# a comment\n4096+8K@1M\n\n").segments())
                .containsExactly(new Segment(4096, 1 << 20, 8192, "raw0"));
    }

    @Test
    void badLayoutsAreUsageErrors() {
        for (String bad : new String[] {"", "0x10", "5-4", "0+0", "0+zz", "0+1@-5", "0+99999999999T", "0x10000000000000+1",
                "@" + "/no/such/file"}) {
            assertThatThrownBy(() -> RawLayout.parse(bad)).as(bad).isInstanceOfSatisfying(ChirpException.class,
                    e -> assertThat(e.kind()).isEqualTo(ChirpException.Kind.USAGE));
        }
    }

    @Test
    void aRawFileOpensThroughItsLayoutFromAFile() throws Exception {
        byte[] low = TestImages.pattern(8192, 1), high = TestImages.pattern(4096, 2);
        byte[] file = new byte[low.length + high.length];
        System.arraycopy(low, 0, file, 0, low.length);
        System.arraycopy(high, 0, file, low.length, high.length);
        Path raw = dir.resolve("mem");
        Files.write(raw, file);
        Path spec = dir.resolve("layout.txt");
        Files.writeString(spec, "0+8K   # low RAM\n0x100000000+4K\n");
        try (MemoryImage img = MemoryImages.open(raw, RawLayout.parse("@" + spec))) {
            assertThat(img.format()).isEqualTo(ImageFormat.RAW);
            assertThat(img.memory().ranges()).containsExactly(new MemoryRange(0, 8192, "raw0"),
                    new MemoryRange(0x100000000L, 0x100001000L, "raw1"));
            assertThat(img.memory().readBytes(0x100000000L, 4096)).isEqualTo(high);
            assertThat(img.memory().readBytes(100, 10)).isEqualTo(Arrays.copyOfRange(low, 100, 110));
            assertThatThrownBy(() -> img.memory().readBytes(8192, 1)).isInstanceOf(UnmappedException.class);
            assertThat(img.memory().describe()).contains("from --layout");
        }
        // a layout beyond the end of the file, or overlapping itself, is refused when the image is opened
        assertThatThrownBy(() -> MemoryImages.open(raw, RawLayout.parse("0+16K"))).hasMessageContaining("beyond the end");
        assertThatThrownBy(() -> MemoryImages.open(raw, RawLayout.parse("0+8K@0,4K+4K@0"))).hasMessageContaining("overlap");
    }
}
