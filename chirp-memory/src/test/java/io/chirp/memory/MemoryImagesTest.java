package io.chirp.memory;

import io.chirp.core.ChirpException;
import io.chirp.core.CpuState;
import io.chirp.core.MemoryRange;
import io.chirp.core.UnmappedException;
import io.chirp.memory.TestImages.Load;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static io.chirp.memory.TestImages.pattern;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MemoryImagesTest {
    @TempDir Path dir;

    private Path write(String name, byte[] content) throws IOException {
        return Files.write(dir.resolve(name), content);
    }

    private static void assertCorrupt(Path file, String messagePart) {
        assertThatThrownBy(() -> MemoryImages.open(file))
                .isInstanceOfSatisfying(ChirpException.class, e -> assertThat(e.kind()).isEqualTo(ChirpException.Kind.CORRUPT))
                .hasMessageContaining(messagePart);
    }

    private static final byte[] LOW = pattern(0x2000, 1);
    private static final byte[] HIGH = pattern(0x1000, 2);

    private static List<ElfNote> twoCpuNotes() {
        return List.of(
                new ElfNote("CORE", 1, TestImages.prstatus(1, "rip", 0xffffffff81000010L, "orig_rax", -1L, "gs_base", 0xffff888000000000L)),
                new ElfNote("CORE", 1, TestImages.prstatus(2, "rip", 0x401000L)),
                new ElfNote("QEMU", 0, TestImages.qemuState(440, 0, 0xffffffff81000010L, 0xffff888000000000L, 0x288c000, 0x7f00)),
                new ElfNote("QEMU", 0, TestImages.qemuState(432, 1, 0x401000L, 0, 0x285d000, 0)));
    }

    @Test
    void elfCoreMapsPaddrToFileOffsetsAndReadsCpuNotes() throws IOException {
        // named .lime to show the name is ignored
        Path f = write("dump.lime", TestImages.elfCore(twoCpuNotes(),
                List.of(new Load(0x100000, HIGH), new Load(0, LOW))));
        try (MemoryImage img = MemoryImages.open(f)) {
            assertThat(img.format()).isEqualTo(ImageFormat.ELF_CORE);
            assertThat(img.memory().ranges()).extracting(MemoryRange::start, MemoryRange::end)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple(0L, 0x2000L),
                            org.assertj.core.groups.Tuple.tuple(0x100000L, 0x101000L));
            assertThat(img.memory().readBytes(0, LOW.length)).isEqualTo(LOW);
            assertThat(img.memory().readBytes(0x100000, HIGH.length)).isEqualTo(HIGH);
            assertThat(img.memory().view(0x1ff0, 16)).isNotNull();
            assertThatThrownBy(() -> img.memory().readBytes(0x1ff0, 32)).isInstanceOf(UnmappedException.class);

            assertThat(img.cpus()).hasSize(2);
            CpuState c0 = img.cpus().get(0);
            assertThat(c0.vcpu()).isZero();
            assertThat(c0.rip()).isEqualTo(0xffffffff81000010L);
            assertThat(c0.rflags()).isEqualTo(0x246);
            assertThat(c0.cr3()).hasValue(0x288c000);
            assertThat(c0.cr0()).hasValue(0x80050033L);
            assertThat(c0.cr2()).hasValue(0xdead000);
            assertThat(c0.cr4()).hasValue(0x6f0);
            assertThat(c0.gsBase()).hasValue(0xffff888000000000L);
            assertThat(c0.kernelGsBase()).hasValue(0x7f00);
            assertThat(c0.efer()).isEmpty(); // the QEMU note has no EFER
            assertThat(c0.register("rax")).hasValue(0x1000);
            assertThat(c0.register("orig_rax")).hasValue(-1L); // from NT_PRSTATUS
            assertThat(c0.register("gs")).hasValue(0x2b);
            assertThat(c0.source()).isEqualTo("elf:NT_PRSTATUS+QEMU");
            CpuState c1 = img.cpus().get(1);
            assertThat(c1.cr3()).hasValue(0x285d000);
            assertThat(c1.kernelGsBase()).isEmpty(); // 432-byte note: field not present
        }
    }

    @Test
    void prstatusAloneGivesRegistersButNoControlRegisters() throws IOException {
        Path f = write("core", TestImages.elfCore(
                List.of(new ElfNote("CORE", 1, TestImages.prstatus(1, "rip", 0x1234L, "rsp", 0x7ffeL, "fs_base", 0x55L))),
                List.of(new Load(0, LOW))));
        try (MemoryImage img = MemoryImages.open(f)) {
            CpuState c = img.cpus().getFirst();
            assertThat(c.rip()).isEqualTo(0x1234);
            assertThat(c.register("rsp")).hasValue(0x7ffe);
            assertThat(c.fsBase()).hasValue(0x55);
            assertThat(c.cr3()).isEmpty();
            assertThat(c.source()).isEqualTo("elf:NT_PRSTATUS");
        }
    }

    @Test
    void limeWithRepeatedHeaders() throws IOException {
        Path f = write("mem.elf", TestImages.lime(List.of(new Load(0, LOW), new Load(0x100000, HIGH))));
        try (MemoryImage img = MemoryImages.open(f)) {
            assertThat(img.format()).isEqualTo(ImageFormat.LIME);
            assertThat(img.segments()).containsExactly(new Segment(0, 32, 0x2000, "lime0"),
                    new Segment(0x100000, 32 + 0x2000 + 32, 0x1000, "lime1"));
            assertThat(img.memory().readBytes(0x100000, HIGH.length)).isEqualTo(HIGH);
            assertThat(img.cpus()).isEmpty();
        }
    }

    @Test
    void anythingElseIsRawWithOffsetEqualToGpa() throws IOException {
        byte[] raw = pattern(0x3000, 3);
        Path f = write("x.elf", raw);
        assertThat(MemoryImages.detect(f)).isEqualTo(ImageFormat.RAW);
        try (MemoryImage img = MemoryImages.open(f)) {
            assertThat(img.memory().ranges()).containsExactly(new MemoryRange(0, 0x3000, "raw"));
            assertThat(img.memory().readLong(0x2000)).isEqualTo(ByteBuffer.wrap(raw, 0x2000, 8).order(ByteOrder.LITTLE_ENDIAN).getLong());
        }
    }

    @Test
    void openRamAppliesTheLayoutOfHighMemory() throws IOException {
        byte[] file = pattern(0x3000, 4);
        Path f = write("ram", file);
        RamLayout layout = new RamLayout("mem", List.of(new Segment(0, 0, 0x2000, "mem"),
                new Segment(0x100000000L, 0x2000, 0x1000, "mem")));
        try (MappedFileMemory m = MemoryImages.openRam(f, layout, true)) {
            assertThat(m.isLive()).isTrue();
            assertThat(m.readBytes(0x100000000L, 16)).isEqualTo(Arrays.copyOfRange(file, 0x2000, 0x2010));
        }
    }

    // ---- hostile input: each must fail as CORRUPT with a message, quickly, without big allocations

    @Test
    void truncatedElfIsCorrupt() throws IOException {
        byte[] full = TestImages.elfCore(twoCpuNotes(), List.of(new Load(0, LOW)));
        assertCorrupt(write("t1", Arrays.copyOf(full, full.length - 1)), "beyond the end of the file");
        assertCorrupt(write("t2", Arrays.copyOf(full, 40)), "truncated: ELF header");
        assertCorrupt(write("t3", Arrays.copyOf(full, 100)), "truncated: ELF program headers");
    }

    @Test
    void hugeCountsAndSizesAreRejectedBeforeAllocation() throws IOException {
        byte[] full = TestImages.elfCore(twoCpuNotes(), List.of(new Load(0, LOW)));
        byte[] manyPh = full.clone();
        ByteBuffer.wrap(manyPh).order(ByteOrder.LITTLE_ENDIAN).putShort(56, (short) 0xfffe);
        assertCorrupt(write("h1", manyPh), "truncated: ELF program headers");

        byte[] xnum = full.clone(); // PN_XNUM with section header 0 claiming 4 billion headers
        ByteBuffer x = ByteBuffer.wrap(xnum).order(ByteOrder.LITTLE_ENDIAN);
        x.putShort(56, (short) 0xffff).putLong(40, 64 + 56); // shoff points at the 2nd phdr; sh_info at +44
        x.putInt(64 + 56 + 44, -1);
        assertCorrupt(write("h2", xnum), "implausibly large");

        byte[] note = full.clone(); // first note's descsz = 0x7fffffff
        ByteBuffer.wrap(note).order(ByteOrder.LITTLE_ENDIAN).putInt(64 + 2 * 56 + 4, 0x7fffffff);
        assertCorrupt(write("h3", note), "note 0 claims");

        byte[] hugeLoad = full.clone(); // p_filesz = 2^63-1
        ByteBuffer.wrap(hugeLoad).order(ByteOrder.LITTLE_ENDIAN).putLong(64 + 56 + 32, Long.MAX_VALUE);
        assertCorrupt(write("h4", hugeLoad), "beyond the end of the file");
    }

    @Test
    void overlappingOrOutOfRangeSegmentsAreCorrupt() throws IOException {
        assertCorrupt(write("o1", TestImages.elfCore(List.of(), List.of(new Load(0, LOW), new Load(0x1000, HIGH)))),
                "overlap");
        assertCorrupt(write("o2", TestImages.elfCore(List.of(), List.of(new Load(-4096, HIGH)))), "52-bit");
        assertCorrupt(write("o3", TestImages.lime(List.of(new Load(0, LOW), new Load(0x1fff, HIGH)))), "overlap");
    }

    @Test
    void badElfHeadersAreCorrupt() throws IOException {
        byte[] full = TestImages.elfCore(List.of(), List.of(new Load(0, LOW)));
        byte[] elf32 = full.clone();
        elf32[4] = 1;
        assertCorrupt(write("b1", elf32), "not ELF64");
        byte[] exec = full.clone();
        exec[16] = 2;
        assertCorrupt(write("b2", exec), "not a core");
        byte[] arm = full.clone();
        arm[18] = (byte) 183;
        assertCorrupt(write("b3", arm), "not x86-64");
        byte[] qemuV2 = TestImages.elfCore(List.of(new ElfNote("QEMU", 0, TestImages.qemuState(440, 0, 0, 0, 0, 0))),
                List.of(new Load(0, LOW)));
        ByteBuffer.wrap(qemuV2).order(ByteOrder.LITTLE_ENDIAN).putInt(64 + 2 * 56 + 12 + 8, 2);
        assertCorrupt(write("b4", qemuV2), "QEMU note version 2");
        byte[] shortNote = TestImages.elfCore(List.of(new ElfNote("CORE", 1, new byte[100])), List.of(new Load(0, LOW)));
        assertCorrupt(write("b5", shortNote), "NT_PRSTATUS note of vCPU 0 is 100 bytes");
        assertCorrupt(write("b6", new byte[0]), "empty");
        assertCorrupt(write("b7", TestImages.elfCore(List.of(), List.of())), "no memory ranges");
    }

    @Test
    void badLimeIsCorrupt() throws IOException {
        byte[] good = TestImages.lime(List.of(new Load(0, LOW)));
        assertCorrupt(write("l1", Arrays.copyOf(good, good.length - 1)), "truncated image");
        assertCorrupt(write("l2", TestImages.limeHeader(0x2000, 0x1000)), "inverted");
        assertCorrupt(write("l3", TestImages.limeHeader(0, -1L)), "inverted");
        byte[] trailing = Arrays.copyOf(good, good.length + 10);
        assertCorrupt(write("l4", trailing), "truncated: LiME header 1");
        byte[] badMagic = Arrays.copyOf(good, good.length + 32);
        assertCorrupt(write("l5", badMagic), "magic 0x0");
        byte[] v2 = good.clone();
        v2[4] = 2;
        assertCorrupt(write("l6", v2), "LiME version 2");
    }

    @Test
    void missingFileIsNotFound() {
        assertThatThrownBy(() -> MemoryImages.open(dir.resolve("nope")))
                .isInstanceOfSatisfying(ChirpException.class, e -> assertThat(e.kind()).isEqualTo(ChirpException.Kind.NOT_FOUND));
    }
}
