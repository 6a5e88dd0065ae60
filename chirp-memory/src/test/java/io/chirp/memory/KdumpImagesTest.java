package io.chirp.memory;

import io.chirp.core.ChirpException;
import io.chirp.core.MemoryRange;
import io.chirp.core.UnmappedException;
import io.chirp.memory.KdumpTestWriter.Compression;
import io.chirp.memory.TestImages.Load;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The kdump reader on small dumps written page by page from an ELF core (the oracle): every compression, plain and
 * flattened, the headers' fields, and hostile files: each is refused as CORRUPT on open, or a bad page reads as
 * unavailable and is counted, never a crash, a hang or wrong bytes.
 */
class KdumpImagesTest {
    static final int PAGE = 4096;
    @TempDir Path dir;
    Path elf;
    byte[] low, high;

    /** Two ranges: 16 pages at 0 (some zero, some patterned) and 3 pages at 1 MiB; one vCPU with both notes. */
    @BeforeEach
    void anElfCore() throws Exception {
        low = new byte[16 * PAGE];
        for (int p = 0; p < 16; p++) {
            if (p % 3 != 0) System.arraycopy(TestImages.pattern(PAGE, p), 0, low, p * PAGE, PAGE);
        }
        high = TestImages.pattern(3 * PAGE, 99);
        List<ElfNote> notes = List.of(
                new ElfNote("CORE", ElfNote.NT_PRSTATUS, TestImages.prstatus(1, "rip", 0xffffffff81000000L)),
                new ElfNote("QEMU", ElfNote.NT_QEMU, TestImages.qemuState(440, 0, 0xffffffff81000000L,
                        0xffff888000000000L, 0x1234000, 0)));
        elf = dir.resolve("core.elf");
        Files.write(elf, TestImages.elfCore(notes, List.of(new Load(0, low), new Load(0x100000, high))));
    }

    Path kdump(Compression c) throws Exception {
        Path out = dir.resolve("dump-" + c);
        try (MemoryImage img = MemoryImages.open(elf)) {
            KdumpTestWriter.write(img.memory(), img.cpus(), c, out);
        }
        return out;
    }

    void assertSameAsElf(Path image, ImageFormat format) {
        try (MemoryImage e = MemoryImages.open(elf); MemoryImage k = MemoryImages.open(image)) {
            assertThat(k.format()).isEqualTo(format);
            assertThat(MemoryImages.detect(image)).isEqualTo(format);
            assertThat(k.memory().ranges()).containsExactly(new MemoryRange(0, 16 * PAGE, "kdump"),
                    new MemoryRange(0x100000, 0x100000 + 3 * PAGE, "kdump"));
            assertThat(k.memory().readBytes(0, low.length)).isEqualTo(low);
            assertThat(k.memory().readBytes(0x100000, high.length)).isEqualTo(high);
            // across a page boundary, and the typed reads through view()
            assertThat(k.memory().readBytes(PAGE - 5, 10)).isEqualTo(Arrays.copyOfRange(low, PAGE - 5, PAGE + 5));
            assertThat(k.memory().readLong(PAGE + 8)).isEqualTo(e.memory().readLong(PAGE + 8));
            assertThat(k.memory().view(PAGE - 4, 8)).as("a view never spans pages").isNull();
            assertThatThrownBy(() -> k.memory().readBytes(16 * PAGE - 2, 4)).isInstanceOf(UnmappedException.class);
            for (long far : new long[] {-4096, 1L << 62, 0x7fffffffffff000L}) { // PFNs whose word index overflows an int
                assertThatThrownBy(() -> k.memory().readBytes(far, 8)).isInstanceOf(UnmappedException.class);
                assertThat(k.memory().view(far, 8)).isNull();
            }
            assertThat(k.cpus()).isEqualTo(e.cpus());
            assertThat(k.cpus().getFirst().cr3().orElseThrow()).isEqualTo(0x1234000);
            assertThat(k.segments()).isEmpty();
            assertThat(k.memory().isLive()).isFalse();
        }
    }

    @ParameterizedTest
    @EnumSource(Compression.class)
    void everyCompressionReadsBackTheElfsBytesAndRegisters(Compression c) throws Exception {
        assertSameAsElf(kdump(c), ImageFormat.KDUMP);
    }

    @ParameterizedTest
    @EnumSource(value = Compression.class, names = {"ZLIB", "LZO", "SNAPPY"})
    void flattenedInOddRecordsWithALaterRewriteOfTheHeaderReadsTheSame(Compression c) throws Exception {
        byte[] plain = Files.readAllBytes(kdump(c));
        byte[] damaged = plain.clone();
        Arrays.fill(damaged, 0, PAGE, (byte) 0); // the first write of the header is garbage; a later record fixes it
        Path flat = dir.resolve("flat-" + c);
        Files.write(flat, KdumpTestWriter.flatten(damaged, 1000, Arrays.copyOf(plain, PAGE)));
        assertSameAsElf(flat, ImageFormat.KDUMP_FLATTENED);
        try (MemoryImage k = MemoryImages.open(flat)) {
            assertThat(k.memory().describe()).startsWith("flattened kdump-compressed image").contains("kernel chirp-test");
        }
    }

    @Test
    void headerFieldsAreReadAtMakedumpfilesOffsets() throws Exception {
        Path p = kdump(Compression.ZLIB);
        try (ImageFile f = ImageFile.open(p)) {
            KdumpHeader h = KdumpHeader.read(new KdumpBytes.Plain(f), f);
            assertThat(h.version()).isEqualTo(6);
            assertThat(h.release()).isEqualTo("chirp-test");
            assertThat(h.blockSize()).isEqualTo(PAGE);
            assertThat(h.maxMapnr()).isEqualTo(0x103);
            assertThat(h.bitmapOffset()).isEqualTo(2 * PAGE);
            assertThat(h.bitmapBytes()).isEqualTo(PAGE);
            assertThat(h.descriptorOffset()).isEqualTo(4 * PAGE);
            assertThat(h.nrCpus()).isEqualTo(1);
            assertThat(h.split()).isFalse();
            assertThat(h.noteOffset()).isEqualTo(PAGE + KdumpHeader.SUB_HEADER_SIZE);
            assertThat(h.noteSize()).isPositive();
            assertThat(h.incomplete()).isFalse();
        }
    }

    @Test
    void aSplitPartHoldsOnlyItsPfns() {
        long[] w = {-1L, -1L};
        KdumpReader.clearOutside(w, 3, 70);
        assertThat(w[0]).isEqualTo(-1L << 3);
        assertThat(w[1]).isEqualTo((1L << 6) - 1);
    }

    // --- hostile files ---

    byte[] bytes(Compression c) throws Exception { return Files.readAllBytes(kdump(c)); }

    Path write(String name, byte[] b) throws Exception {
        Path p = dir.resolve(name);
        Files.write(p, b);
        return p;
    }

    static ByteBuffer le(byte[] b) { return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN); }

    void assertCorrupt(byte[] b, String message) throws Exception {
        Path p = write("bad", b);
        assertThatThrownBy(() -> MemoryImages.open(p)).isInstanceOfSatisfying(ChirpException.class,
                e -> assertThat(e.kind()).isEqualTo(ChirpException.Kind.CORRUPT)).hasMessageContaining(message);
    }

    @Test
    void impossibleHeaderFieldsAreRefused() throws Exception {
        byte[] b = bytes(Compression.ZLIB);
        byte[] bad = b.clone();
        le(bad).putInt(KdumpHeader.H_BLOCK_SIZE, 12345);
        assertCorrupt(bad, "block_size 12345");
        bad = b.clone();
        le(bad).putInt(KdumpHeader.H_BITMAP_BLOCKS, 0x7fffffff);
        assertCorrupt(bad, "do not fit");
        bad = b.clone();
        le(bad).putLong(PAGE + KdumpHeader.S_MAX_MAPNR_64, 1L << 60);
        assertCorrupt(bad, "max_mapnr");
        bad = b.clone();
        le(bad).putLong(PAGE + KdumpHeader.S_MAX_MAPNR_64, 1L << 20); // more pages than one bitmap block covers
        assertCorrupt(bad, "cannot cover");
        bad = b.clone();
        le(bad).putLong(PAGE + KdumpHeader.S_SIZE_NOTE, 1L << 40);
        assertCorrupt(bad, "notes");
        assertCorrupt(Arrays.copyOf(b, 4 * PAGE + 10), "descriptors");
        assertCorrupt(Arrays.copyOf(b, 300), "truncated");
    }

    @Test
    void aBadPageReadsAsUnavailableAndIsCountedOnceTheOthersStayReadable() throws Exception {
        byte[] b = bytes(Compression.ZLIB);
        long desc = 4 * PAGE;
        ByteBuffer d = le(b);
        // page 1: its zlib stream garbled; page 2: stored size larger than a page; page 4: data offset beyond the file
        long p1 = d.getLong((int) desc + 24);
        Arrays.fill(b, (int) p1 + 2, (int) p1 + 40, (byte) 0x5a);
        d.putInt((int) desc + 2 * 24 + 8, PAGE + 1);
        d.putLong((int) desc + 4 * 24, 1L << 40);
        // page 5: two compressions at once
        d.putInt((int) desc + 5 * 24 + 12, 0x3);
        Path p = write("damaged", b);
        try (MemoryImage k = MemoryImages.open(p)) {
            for (int page : new int[] {1, 2, 4, 5}) {
                assertThatThrownBy(() -> k.memory().readBytes((long) page * PAGE, 8)).as("page " + page)
                        .isInstanceOf(UnmappedException.class).hasMessageContaining("corrupt kdump page");
                assertThat(k.memory().view((long) page * PAGE, 8)).isNull();
            }
            assertThatThrownBy(() -> k.memory().readBytes(PAGE, 8)).isInstanceOf(UnmappedException.class);
            assertThat(((KdumpMemory) k.memory()).corruptPages()).isEqualTo(4);
            assertThat(k.memory().describe()).contains("4 corrupt page(s)", "PFN 0x1");
            assertThat(k.memory().readBytes(3 * PAGE, PAGE)).isEqualTo(Arrays.copyOfRange(low, 3 * PAGE, 4 * PAGE));
            assertThat(k.memory().readBytes(0x100000, high.length)).isEqualTo(high);
        }
    }

    @Test
    void aPageThatDecompressesToMoreOrLessThanAPageIsCorrupt() throws Exception {
        // an LZO page whose stored bytes are cut by one: decompresses short, or not at all
        byte[] b = bytes(Compression.LZO);
        ByteBuffer d = le(b);
        int desc = 4 * PAGE + 24; // page 1 (patterned, so compressed)
        assertThat(d.getInt(desc + 12)).isEqualTo(0x2);
        d.putInt(desc + 8, d.getInt(desc + 8) - 1);
        try (MemoryImage k = MemoryImages.open(write("short", b))) {
            assertThatThrownBy(() -> k.memory().readBytes(PAGE, 1)).isInstanceOf(UnmappedException.class);
            assertThat(k.memory().readBytes(2 * PAGE, PAGE)).isEqualTo(Arrays.copyOfRange(low, 2 * PAGE, 3 * PAGE));
        }
    }

    @Test
    void flattenedRecordsAreChecked() throws Exception {
        byte[] plain = bytes(Compression.SNAPPY);
        byte[] flat = KdumpTestWriter.flatten(plain, 4096, null);
        byte[] bad = flat.clone();
        ByteBuffer.wrap(bad).putLong(KdumpBytes.FLAT_HEADER_SIZE + 8, 1L << 50); // a record bigger than the file
        assertCorrupt(bad, "flattened record 0");
        bad = flat.clone();
        ByteBuffer.wrap(bad).putLong(16, 2);
        assertCorrupt(bad, "type 2");
        // no end marker: what is there still opens, and says it is truncated
        byte[] cut = Arrays.copyOf(flat, flat.length - 16);
        try (MemoryImage k = MemoryImages.open(write("cut", cut))) {
            assertThat(k.memory().describe()).contains("truncated: no end record");
            assertThat(k.memory().readBytes(0x100000, high.length)).isEqualTo(high);
        }
        // records that stop early: the last pages' data is missing, and reads as unavailable
        byte[] early = KdumpTestWriter.flatten(Arrays.copyOf(plain, plain.length - 100), 4096, null);
        try (MemoryImage k = MemoryImages.open(write("early", early))) {
            assertThatThrownBy(() -> k.memory().readBytes(0x100000 + 2 * PAGE, 8)).isInstanceOf(UnmappedException.class);
            assertThat(k.memory().readBytes(PAGE, PAGE)).isEqualTo(Arrays.copyOfRange(low, PAGE, 2 * PAGE));
        }
    }

    @Test
    void aLayoutIsRefusedForAnImageThatHasItsOwn() throws Exception {
        Path k = kdump(Compression.ZLIB);
        assertThatThrownBy(() -> MemoryImages.open(k, RawLayout.parse("0+4K")))
                .isInstanceOfSatisfying(ChirpException.class, e -> assertThat(e.kind()).isEqualTo(ChirpException.Kind.USAGE))
                .hasMessageContaining("--layout is for raw memory files only");
    }
}
