package io.chirp.symbols.kallsyms;

import io.chirp.core.PhysicalMemory;
import io.chirp.symbols.lab.ImageFile;
import io.chirp.symbols.scan.PatternScanner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class PatternScannerTest {
    @TempDir Path dir;

    @Test
    void findsEveryOccurrenceAcrossChunkBoundariesLikeANaiveSearch() {
        byte[] img = new byte[100_000];
        Random r = new Random(7);
        for (int i = 0; i < img.length; i++) img[i] = (byte) r.nextInt(4);
        byte[] pat = {1, 2, 3, 1};
        List<Long> oracle = new ArrayList<>();
        for (int i = 0; i + pat.length <= img.length; i++) {
            boolean ok = true;
            for (int j = 0; j < pat.length && ok; j++) ok = img[i + j] == pat[j];
            if (ok) oracle.add((long) i);
        }
        assertThat(oracle).hasSizeGreaterThan(100);
        try (PhysicalMemory mem = ImageFile.map(dir, img)) {
            for (int chunk : new int[] {64, 65, 4096, 1 << 20}) {
                long[] hits = new PatternScanner(chunk).find(mem, pat, 1_000_000);
                assertThat(hits).as("chunk " + chunk).containsExactly(oracle.stream().mapToLong(Long::longValue).toArray());
            }
            assertThat(new PatternScanner(64).find(mem, pat, 5)).hasSize(5);
        }
    }

    /**
     * A 64 GiB sparse file (free on disk) with two blocks of data: only they are scanned, so the scan takes
     * milliseconds rather than the minutes that faulting in 64 GiB of zero pages takes; a pattern whose zero tail
     * reaches into the hole after a block is still found.
     */
    @Test
    @org.junit.jupiter.api.Timeout(60)
    void scansOnlyTheDataOfASparseFileAndStillFindsPatternsReachingIntoHoles() throws Exception {
        long gib = 1L << 30;
        Path f = dir.resolve("sparse.raw");
        byte[] block = new byte[4096];
        block[100] = 9; block[101] = 8; block[102] = 0; block[103] = 0; block[104] = 7;
        block[4094] = 9; block[4095] = 8; // ...and the hole supplies the two zeros
        try (java.io.RandomAccessFile raf = new java.io.RandomAccessFile(f.toFile(), "rw")) {
            raf.setLength(64 * gib);
            raf.seek(5 * gib);
            raf.write(block);
            raf.seek(63 * gib);
            raf.write(block);
        }
        try (PhysicalMemory mem = io.chirp.memory.MappedFileMemory.open(f,
                List.of(new io.chirp.memory.Segment(0, 0, 64 * gib, "ram")), false, "sparse " + f)) {
            assertThat(mem.populated()).hasSize(2);
            long[] hits = new PatternScanner().find(mem, new byte[] {9, 8, 0, 0}, 100);
            assertThat(hits).containsExactly(5 * gib + 100, 5 * gib + 4094, 63 * gib + 100, 63 * gib + 4094);
        }
    }
}
