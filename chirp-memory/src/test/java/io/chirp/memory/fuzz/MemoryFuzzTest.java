package io.chirp.memory.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.chirp.core.MemoryRange;
import io.chirp.core.UnmappedException;
import io.chirp.lab.fuzz.FuzzCheck;
import io.chirp.memory.ImageFormat;
import io.chirp.memory.MemoryImage;
import io.chirp.memory.MemoryImages;
import io.chirp.memory.RamLayout;
import io.chirp.memory.Segment;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Coverage-guided fuzz targets for the memory image readers (ELF core, LiME, raw: recognised by content) and the
 * {@code info mtree -f} parser. Seeds in src/test/resources/io/chirp/memory/fuzz/MemoryFuzzTestInputs/: a real
 * QEMU 7.2 {@code dump-guest-memory} of a 2-vCPU guest with its PT_LOADs cut to 256 bytes each (notes kept), a
 * LiME file with two ranges of that guest's RAM, 512 raw bytes, real {@code info mtree -f} transcripts, and small
 * kdump files (zlib, LZO, snappy; plain and flattened) of a 6-page guest with one vCPU, written by KdumpTestWriter.
 */
class MemoryFuzzTest {
    private static final Path DIR;

    static {
        try {
            DIR = Files.createTempDirectory("chirp-fuzz-memory");
            DIR.toFile().deleteOnExit();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** An image file of any format: opens as a consistent image (every range readable) or is refused as CORRUPT. */
    @FuzzTest(maxDuration = "60s")
    void elfCore(byte[] data) throws IOException {
        image(data);
    }

    /** The same target, seeded with LiME files. */
    @FuzzTest(maxDuration = "60s")
    void lime(byte[] data) throws IOException {
        image(data);
    }

    private static void image(byte[] data) throws IOException {
        Path f = DIR.resolve("image");
        Files.write(f, data);
        try {
            FuzzCheck.check("image", data, () -> {
                try (MemoryImage img = MemoryImages.open(f)) {
                    if (data.length >= 4 && data[0] == 0x7f && data[1] == 'E' && data[2] == 'L' && data[3] == 'F') {
                        assertThat(img.format()).isEqualTo(ImageFormat.ELF_CORE);
                    }
                    long stored = 0;
                    Segment prev = null;
                    for (Segment s : img.segments()) {
                        assertThat(s.fileOffset() + s.length()).as("inside the file").isLessThanOrEqualTo(data.length);
                        if (prev != null) assertThat(Long.compareUnsigned(prev.gpaEnd(), s.gpa())).isLessThanOrEqualTo(0);
                        stored += s.length();
                        prev = s;
                    }
                    assertThat(stored).isLessThanOrEqualTo(data.length);
                    for (MemoryRange r : img.memory().ranges()) {
                        // First and last byte of every range are readable, and equal the file's bytes.
                        byte[] first = img.memory().readBytes(r.start(), 1);
                        byte[] last = img.memory().readBytes(r.end() - 1, 1);
                        assertThat(first).hasSize(1);
                        assertThat(last).hasSize(1);
                    }
                    for (Segment s : img.segments()) {
                        assertThat(img.memory().readBytes(s.gpa(), 1)[0]).isEqualTo(data[(int) s.fileOffset()]);
                    }
                    img.cpus().forEach(c -> assertThat(c).isNotNull());
                }
            });
        } finally {
            Files.deleteIfExists(f);
        }
    }

    /**
     * A kdump-compressed image, plain or flattened: refused as CORRUPT on open, or every page of every range reads
     * as exactly its bytes or as unavailable (a corrupt page), and the corrupt pages are said in the description.
     */
    @FuzzTest(maxDuration = "60s")
    void kdump(byte[] data) throws IOException {
        Path f = DIR.resolve("kdump");
        Files.write(f, data);
        try {
            FuzzCheck.check("kdump", data, () -> {
                try (MemoryImage img = MemoryImages.open(f)) {
                    if (img.format() != ImageFormat.KDUMP && img.format() != ImageFormat.KDUMP_FLATTENED) return;
                    int unavailable = 0, pages = 0;
                    for (MemoryRange r : img.memory().ranges()) {
                        assertThat(r.size()).isPositive();
                        for (long pa = r.start(); pa < r.end() && pages < 4096; pa += 4096, pages++) {
                            try {
                                assertThat(img.memory().readBytes(pa, 4096)).hasSize(4096);
                            } catch (UnmappedException e) {
                                unavailable++;
                            }
                        }
                    }
                    if (unavailable > 0) assertThat(img.memory().describe()).contains("corrupt page");
                    img.cpus().forEach(c -> assertThat(c).isNotNull());
                }
            });
        } finally {
            Files.deleteIfExists(f);
        }
    }

    /** HMP {@code info mtree -f}: RAM segments, sorted and disjoint, or CORRUPT. */
    @FuzzTest(maxDuration = "60s")
    void mtree(byte[] data) {
        String text = new String(data, StandardCharsets.UTF_8);
        FuzzCheck.check("mtree", data, () -> {
            RamLayout l = RamLayout.parse(text);
            assertThat(l.segments()).isNotEmpty();
            for (Segment s : l.segments()) assertThat(s.length()).isPositive();
            assertThat(l.fileSizeNeeded()).isPositive();
        });
    }
}
