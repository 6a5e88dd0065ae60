package io.chirp.disk.block;

import io.chirp.core.ChirpException;
import io.chirp.disk.HostTool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Our NBD client against {@code qemu-nbd} serving a known file: bytes must match the file. */
class NbdExportTest {
    @TempDir Path dir;

    @Test
    void readsMatchTheExportedFile() throws Exception {
        byte[] data = new byte[5 << 20];
        new Random(7).nextBytes(data);
        Path img = dir.resolve("d.raw");
        Files.write(img, data);
        Path sock = dir.resolve("nbd.sock");
        Process nbd = new ProcessBuilder("qemu-nbd", "-r", "-f", "raw", "-x", "exp", "--persistent",
                "--socket=" + sock, img.toString()).redirectErrorStream(true).start();
        try {
            for (int i = 0; i < 100 && !Files.exists(sock); i++) Thread.sleep(50);
            try (NbdExport e = NbdExport.connect(sock, "exp")) {
                assertThat(e.size()).isEqualTo(data.length);
                byte[] got = new byte[data.length];
                // odd offsets and lengths, and one read larger than a typical request
                e.read(3, got, 3, 1000);
                e.read(0, got, 0, 3);
                e.read(1003, got, 1003, data.length - 1003);
                assertThat(got).isEqualTo(data);
            }
            assertThatThrownBy(() -> NbdExport.connect(sock, "nope")).isInstanceOf(ChirpException.class)
                    .hasMessageContaining("nope");
        } finally {
            nbd.destroy();
            nbd.waitFor();
        }
        assertThatThrownBy(() -> NbdExport.connect(dir.resolve("missing.sock"), "x")).isInstanceOf(ChirpException.class);
        assertThat(HostTool.run(Duration.ofSeconds(10), List.of("true"))).isEmpty();
    }
}
