package io.chirp.memory;

import io.chirp.core.ChirpException;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RamLayoutTest {

    private static String transcript(String name) throws IOException {
        try (InputStream in = RamLayoutTest.class.getResourceAsStream(name)) {
            assertThat(in).as(name).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void smallPcGuestIsIdentityMappedAroundTheBiosShadows() throws IOException {
        RamLayout l = RamLayout.parse(transcript("mtree-512M.txt"));
        // ROM-mode PAM pieces (c0000-c0fff, c4000-e7fff, f0000-fffff) and pc.bios are excluded
        assertThat(l.segments()).containsExactly(
                new Segment(0, 0, 0xc0000, "mem"),
                new Segment(0xc1000, 0xc1000, 0x3000, "mem"),
                new Segment(0xe8000, 0xe8000, 0x8000, "mem"),
                new Segment(0x100000, 0x100000, 0x1ff00000, "mem"));
        assertThat(l.segments()).allMatch(s -> s.gpa() == s.fileOffset());
        assertThat(l.fileSizeNeeded()).isEqualTo(512L << 20);
    }

    @Test
    void fiveGigPcPutsHighRamAtFileOffsetThreeGig() throws IOException {
        RamLayout l = RamLayout.parse(transcript("mtree-5G-pc.txt"));
        assertThat(l.segments()).containsExactly(
                new Segment(0, 0, 0xc0000, "mem"),
                new Segment(0x100000, 0x100000, 0xc0000000L - 0x100000, "mem"),
                new Segment(0x100000000L, 0xc0000000L, 0x80000000L, "mem"));
        assertThat(l.fileSizeNeeded()).isEqualTo(0x140000000L); // 5 GiB
    }

    @Test
    void fiveGigQ35PutsHighRamAtFileOffsetTwoGig() throws IOException {
        RamLayout l = RamLayout.parse(transcript("mtree-5G-q35.txt"));
        assertThat(l.segments()).last().isEqualTo(new Segment(0x100000000L, 0x80000000L, 0xc0000000L, "mem"));
        assertThat(l.size()).isEqualTo(0xc0000L + 0x80000000L - 0x100000 + 0xc0000000L);
        assertThat(l.fileSizeNeeded()).isEqualTo(0x140000000L);
    }

    @Test
    void onlyTheMemoryAddressSpaceCounts() {
        String text = """
                FlatView #0
                 AS "cpu-smm-0", root: memory
                 Root memory region: memory
                  0000000000000000-000000000fffffff (prio 0, ram): mem
                FlatView #1
                 AS "memory", root: system
                 Root memory region: system
                  0000000000000000-0000000000000fff (prio 0, ram): mem
                  0000000000001000-0000000000001fff (prio 0, ram): mem @0000000000001000
                  0000000000002000-0000000000002fff (prio 0, ram): other @0000000000000000
                FlatView #2
                 AS "PIIX3", root: bus master container
                  0000000000000000-00000000ffffffff (prio 0, ram): mem
                """;
        RamLayout l = RamLayout.parse(text);
        assertThat(l.segments()).containsExactly(new Segment(0, 0, 0x2000, "mem")); // merged
        assertThat(RamLayout.parse(text, "other").segments()).containsExactly(new Segment(0x2000, 0, 0x1000, "other"));
    }

    /** qemu-system-aarch64 -machine virt: RAM starts at GPA 0x40000000, at offset 0 of the backend file. */
    @Test
    void armVirtRamStartsAtOneGibibyteAndFileOffsetZero() {
        String text = """
                FlatView #1
                 AS "memory", root: system
                 Root memory region: system
                  0000000000000000-0000000003ffffff (prio 0, romd): virt.flash0
                  0000000009000000-0000000009000fff (prio 0, i/o): pl011
                  0000000040000000-000000005fffffff (prio 0, ram): mem
                """;
        RamLayout l = RamLayout.parse(text);
        assertThat(l.segments()).containsExactly(new Segment(0x4000_0000L, 0, 0x2000_0000L, "mem"));
        assertThat(l.fileSizeNeeded()).isEqualTo(0x2000_0000L);
    }

    @Test
    void rejectsTextWithoutRamOrWithOverlaps() {
        assertThatThrownBy(() -> RamLayout.parse("FlatView #0\n AS \"I/O\", root: io\n"))
                .isInstanceOfSatisfying(ChirpException.class, e -> assertThat(e.kind()).isEqualTo(ChirpException.Kind.CORRUPT));
        assertThatThrownBy(() -> RamLayout.parse("  0000-0fff (ram): pc.ram\n"))
                .hasMessageContaining("backend 'mem'");
        assertThatThrownBy(() -> RamLayout.parse("  0000-1fff (ram): mem\n  1000-2fff (ram): mem\n"))
                .hasMessageContaining("overlapping");
        assertThatThrownBy(() -> RamLayout.parse("  0000-ffffffffffffffff (ram): mem\n"))
                .isInstanceOf(ChirpException.class);
    }

    @Test
    void identityCoversTheWholeFile() {
        assertThat(RamLayout.identity(512L << 20).segments()).containsExactly(new Segment(0, 0, 512L << 20, "ram"));
        assertThatThrownBy(() -> RamLayout.identity(0)).isInstanceOf(ChirpException.class);
    }
}
