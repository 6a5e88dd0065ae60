package io.chirp.disk.block;

import io.chirp.core.ChirpException;
import io.chirp.disk.HostTool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** qcow2 reads compared with {@code qemu-img convert -O raw} of the same image (QEMU is the oracle). */
class Qcow2ImageTest {
    private static final Duration T = Duration.ofMinutes(2);
    @TempDir Path dir;

    private Path randomRaw(String name, int size, long seed) throws Exception {
        byte[] b = new byte[size];
        Random r = new Random(seed);
        for (int i = 0; i < size; i += 4096) {
            // mix random, text (compressible) and zero regions so every cluster kind appears
            int kind = (i / 4096) % 3;
            for (int j = i; j < Math.min(i + 4096, size); j++) {
                b[j] = switch (kind) { case 0 -> (byte) r.nextInt(); case 1 -> (byte) ('a' + j % 26); default -> 0; };
            }
        }
        Path p = dir.resolve(name);
        Files.write(p, b);
        return p;
    }

    private byte[] qemuRaw(Path image) throws Exception {
        Path out = dir.resolve(image.getFileName() + ".oracle.raw");
        HostTool.text(T, "qemu-img", "convert", "-O", "raw", image.toString(), out.toString());
        return Files.readAllBytes(out);
    }

    private static byte[] readAll(BlockSource s, int chunk) {
        byte[] all = new byte[(int) s.size()];
        for (int off = 0; off < all.length; off += chunk) s.read(off, all, off, Math.min(chunk, all.length - off));
        return all;
    }

    @Test
    void compressedImageMatchesQemu() throws Exception {
        Path raw = randomRaw("base.raw", 3 << 20, 1);
        Path q = dir.resolve("c.qcow2");
        HostTool.text(T, "qemu-img", "convert", "-c", "-f", "raw", "-O", "qcow2", "-o", "cluster_size=65536", raw.toString(), q.toString());
        try (BlockSource s = DiskImages.open(q)) {
            assertThat(s).isInstanceOf(Qcow2Image.class);
            assertThat(readAll(s, 12345)).isEqualTo(Files.readAllBytes(raw));
        }
    }

    @Test
    void backingChainZeroClustersAndV2MatchQemu() throws Exception {
        Path raw = randomRaw("base.raw", 2 << 20, 2);
        Path mid = dir.resolve("mid.qcow2");
        Path top = dir.resolve("top.qcow2");
        HostTool.text(T, "qemu-img", "create", "-q", "-f", "qcow2", "-o", "compat=0.10,cluster_size=4096", "-b", "base.raw", "-F", "raw", mid.toString());
        HostTool.text(T, "qemu-io", "-f", "qcow2", "-c", "write -P 0x5a 100000 70000", mid.toString());
        HostTool.text(T, "qemu-img", "create", "-q", "-f", "qcow2", "-b", "mid.qcow2", "-F", "qcow2", top.toString(), "3M");
        HostTool.text(T, "qemu-io", "-f", "qcow2", "-c", "write -z 0 65536", "-c", "write -P 0x33 1048000 5000",
                "-c", "write -P 0x44 2500000 1000", top.toString());
        try (Qcow2Image s = Qcow2Image.open(top, BackingPolicy.allow(java.util.List.of(dir)))) {
            assertThat(s.header().version()).isEqualTo(3);
            assertThat(s.backing()).get().isInstanceOf(Qcow2Image.class);
            assertThat(((Qcow2Image) s.backing().get()).header().version()).isEqualTo(2);
            byte[] ours = readAll(s, 7777);
            assertThat(ours).isEqualTo(qemuRaw(top));
            assertThat(ours[10]).isZero(); // the zero cluster hides base data
        }
    }

    @Test
    void backingLoopIsDetected() throws Exception {
        Path a = dir.resolve("a.qcow2");
        Path b = dir.resolve("b.qcow2");
        HostTool.text(T, "qemu-img", "create", "-q", "-f", "qcow2", a.toString(), "1M");
        HostTool.text(T, "qemu-img", "create", "-q", "-f", "qcow2", "-u", "-b", "a.qcow2", "-F", "qcow2", b.toString(), "1M");
        HostTool.text(T, "qemu-img", "rebase", "-q", "-u", "-f", "qcow2", "-b", "b.qcow2", "-F", "qcow2", a.toString());
        assertThatThrownBy(() -> Qcow2Image.open(b, BackingPolicy.allow(java.util.List.of(dir)))).isInstanceOf(ChirpException.class).hasMessageContaining("loops");
    }

    @Test
    void truncatedImageIsCorruptNotACrash() throws Exception {
        Path raw = randomRaw("t.raw", 1 << 20, 3);
        Path q = dir.resolve("t.qcow2");
        HostTool.text(T, "qemu-img", "convert", "-f", "raw", "-O", "qcow2", raw.toString(), q.toString());
        byte[] all = Files.readAllBytes(q);
        Files.write(q, java.util.Arrays.copyOf(all, all.length / 2));
        assertThatThrownBy(() -> {
            try (BlockSource s = Qcow2Image.open(q)) {
                readAll(s, 65536);
            }
        }).isInstanceOf(ChirpException.class).satisfies(e ->
                assertThat(((ChirpException) e).kind()).isEqualTo(ChirpException.Kind.CORRUPT));
    }
}
