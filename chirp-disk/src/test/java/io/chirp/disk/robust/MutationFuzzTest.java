package io.chirp.disk.robust;

import io.chirp.core.ChirpException;
import io.chirp.disk.block.BlockSource;
import io.chirp.disk.block.MemoryImage;
import io.chirp.disk.block.Qcow2Image;
import io.chirp.disk.fs.FileRecord;
import io.chirp.disk.fs.FileSystem;
import io.chirp.disk.fs.FileSystems;
import io.chirp.disk.fs.FileType;
import io.chirp.disk.fs.FileWalker;
import io.chirp.disk.fs.Listing;
import io.chirp.disk.part.Partitions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.zip.GZIPInputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * A bounded, seeded mutation fuzz run over the ext4, partition and qcow2 parsers, starting from the corpus in
 * {@code src/test/resources/corpus}. Every input must give a result or a {@link ChirpException}, within a second:
 * any other exception, or a hang, fails with the seed and iteration to reproduce it.
 */
class MutationFuzzTest {
    private static final long SEED = Long.getLong("chirp.fuzz.seed", 0xC41D_F022L);
    private static final int ITERATIONS = Integer.getInteger("chirp.fuzz.iterations", 1500);
    @TempDir Path dir;

    static byte[] corpus(String name) throws Exception {
        try (InputStream in = new GZIPInputStream(MutationFuzzTest.class.getResourceAsStream("/corpus/" + name))) {
            return in.readAllBytes();
        }
    }

    /** Flips bits, stamps hostile integers (0, -1, huge, small) or truncates, mostly inside the metadata at the front. */
    static byte[] mutate(byte[] seed, Random r, int hotBytes) {
        byte[] b = seed.clone();
        int edits = 1 + r.nextInt(8);
        for (int i = 0; i < edits; i++) {
            int at = r.nextInt(4) == 0 ? r.nextInt(b.length) : r.nextInt(Math.min(hotBytes, b.length));
            switch (r.nextInt(4)) {
                case 0 -> b[at] ^= (byte) (1 << r.nextInt(8));
                case 1 -> b[at] = (byte) r.nextInt();
                case 2 -> {
                    int[] hostile = {0, -1, 0x7fffffff, 0x80000000, 1, 2, 0xF30A, 0xffff};
                    int v = hostile[r.nextInt(hostile.length)];
                    for (int k = 0; k < 4 && at + k < b.length; k++) b[at + k] = (byte) (v >> (8 * k));
                }
                default -> {
                    if (r.nextInt(10) == 0) b = java.util.Arrays.copyOf(b, Math.max(1, at));
                }
            }
        }
        return b;
    }

    private static void exercise(BlockSource disk) {
        Partitions.read(disk);
        try (FileSystem fs = FileSystems.open(disk)) {
            Listing l = FileWalker.walk(fs);
            for (FileRecord r : l.records()) {
                if (r.meta().isEmpty() || r.meta().get().type() != FileType.REGULAR) continue;
                try {
                    fs.copy(r.entry().inode(), OutputStream.nullOutputStream(), 4 << 20);
                } catch (ChirpException expected) {
                    // damage found while reading a file: fine
                }
            }
        }
    }

    @Test
    void ext4ParserSurvivesMutations() throws Exception {
        byte[] seed = corpus("ext4-small.img.gz");
        exercise(new MemoryImage("seed", seed)); // the unmutated seed must read cleanly
        Random r = new Random(SEED);
        int ok = 0;
        for (int i = 0; i < ITERATIONS; i++) {
            byte[] m = mutate(seed, r, 48 * 1024);
            int iteration = i;
            try {
                assertTimeoutPreemptively(Duration.ofSeconds(2), () -> exercise(new MemoryImage("fuzz", m)),
                        () -> "hang: seed " + SEED + " iteration " + iteration);
                ok++;
            } catch (ChirpException expected) {
                // a clear error is a fine answer to a hostile image
            } catch (RuntimeException e) {
                Files.write(dir.resolve("crash.img"), m);
                throw new AssertionError("ext4 parser crashed (seed " + SEED + ", iteration " + i + "): " + e, e);
            }
        }
        assertThat(ok).as("some mutants still parse, so the fuzzer reaches deep code").isGreaterThan(ITERATIONS / 10);
    }

    @Test
    void qcow2ParserSurvivesMutations() throws Exception {
        byte[] seed = corpus("qcow2-small.qcow2.gz");
        Path f = dir.resolve("fuzz.qcow2");
        Random r = new Random(SEED + 1);
        int ok = 0;
        for (int i = 0; i < ITERATIONS / 2; i++) {
            Files.write(f, i == 0 ? seed : mutate(seed, r, 4096 * 3));
            int iteration = i;
            try {
                assertTimeoutPreemptively(Duration.ofSeconds(2), () -> {
                    try (Qcow2Image q = Qcow2Image.open(f)) {
                        byte[] buf = new byte[(int) Math.min(q.size(), 1 << 20)];
                        q.read(0, buf, 0, buf.length);
                    }
                }, () -> "hang: seed " + SEED + " iteration " + iteration);
                ok++;
            } catch (ChirpException expected) {
                // refused or damaged: fine
            } catch (RuntimeException e) {
                throw new AssertionError("qcow2 parser crashed (seed " + SEED + ", iteration " + i + "): " + e, e);
            }
        }
        assertThat(ok).isGreaterThan(0);
    }
}
