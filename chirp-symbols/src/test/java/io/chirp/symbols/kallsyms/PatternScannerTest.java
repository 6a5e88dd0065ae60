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
}
