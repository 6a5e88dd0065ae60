package io.chirp.linux;

import io.chirp.core.ChirpException;
import io.chirp.memory.MemoryImage;
import io.chirp.memory.MemoryImages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A 64 GiB sparse raw image (free on disk) once took minutes and gigabytes of resident memory before failing:
 * kernel discovery faulted in every zero page. Holes are skipped now, so it fails at once and says why.
 */
class HugeImageTest {
    @Test
    @Timeout(60)
    void aSixtyFourGibSparseImageFailsFastAndSaysItHoldsNoData(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("huge.raw");
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.setLength(64L << 30);
            raf.seek(33L << 30);
            raf.write("not a kernel, just some bytes".getBytes());
        }
        long t0 = System.nanoTime();
        try (MemoryImage img = MemoryImages.open(f)) {
            assertThatThrownBy(() -> LinuxKernel.attach(img.memory(), List.of()))
                    .isInstanceOfSatisfying(ChirpException.class, e -> {
                        assertThat(e.kind()).isEqualTo(ChirpException.Kind.NOT_FOUND);
                        assertThat(e).hasMessageContaining("kallsyms")
                                .hasMessageContaining("of the 65536 MiB hold data and were scanned");
                    });
        }
        assertThat((System.nanoTime() - t0) / 1e9).as("seconds").isLessThan(20);
        long rss = java.nio.file.Files.readAllLines(Path.of("/proc/self/status")).stream()
                .filter(l -> l.startsWith("VmHWM:")).mapToLong(l -> Long.parseLong(l.replaceAll("\\D", ""))).findFirst()
                .orElseThrow();
        assertThat(rss).as("peak resident KiB of the test JVM").isLessThan(2L << 20);
    }
}
