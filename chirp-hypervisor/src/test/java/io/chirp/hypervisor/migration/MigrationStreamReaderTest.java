package io.chirp.hypervisor.migration;

import io.chirp.core.ChirpException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The reader on a real QEMU 7.2 stream (the fuzz seed), whole, truncated, and into a RAM file too small for it. */
class MigrationStreamReaderTest {
    @TempDir Path dir;

    private static byte[] stream() throws IOException {
        try (InputStream in = MigrationStreamReaderTest.class.getResourceAsStream(
                "/io/chirp/hypervisor/qemu/HypervisorFuzzTestInputs/migrationStream/qemu-7.2-pc-2M-reset.mig")) {
            assertThat(in).isNotNull();
            return in.readAllBytes();
        }
    }

    private MigrationStreamReader.Summary read(byte[] s, long ramSize) throws IOException {
        try (FileChannel out = FileChannel.open(dir.resolve("ram-" + System.nanoTime()), StandardOpenOption.CREATE_NEW,
                StandardOpenOption.READ, StandardOpenOption.WRITE, StandardOpenOption.SPARSE)) {
            out.write(ByteBuffer.allocate(1), ramSize - 1);
            return new MigrationStreamReader(new ByteArrayInputStream(s), "pc.ram", out).readRam();
        }
    }

    @Test void realStreamIsReadAsQemuReportedIt() throws IOException {
        MigrationStreamReader.Summary s = read(stream(), 2 << 20);
        // QEMU's query-migrate for this stream: ram total 2629632 (pc.ram + ROMs), normal 49 pages, duplicate 593.
        assertThat(s.blocks()).containsEntry("pc.ram", 2L << 20);
        assertThat(s.blocks().values().stream().mapToLong(Long::longValue).sum()).isEqualTo(2629632L);
        assertThat(s.pagesSent() + s.zeroPages()).isPositive().isLessThanOrEqualTo(49 + 593);
        assertThat(s.machine()).startsWith("pc");
    }

    @Test void truncatedStreamIsCorruptNotAnEofException() throws IOException {
        byte[] s = stream();
        for (int cut : new int[] {3, 20, 200, 50_000, 150_000}) {   // RAM ends after about 206 000 bytes
            byte[] part = Arrays.copyOf(s, cut);
            assertThatThrownBy(() -> read(part, 2 << 20)).isInstanceOf(ChirpException.class)
                    .satisfies(e -> assertThat(((ChirpException) e).kind()).isEqualTo(ChirpException.Kind.CORRUPT));
        }
    }

    @Test void blockLargerThanTheRamFileIsRefused() {
        assertThatThrownBy(() -> read(stream(), 1 << 20)).isInstanceOf(ChirpException.class)
                .hasMessageContaining("larger than the 1048576 bytes of guest RAM");
    }
}
