package io.chirp.hypervisor.qemu;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.chirp.core.CpuState;
import io.chirp.hypervisor.migration.MigrationStreamReader;
import io.chirp.lab.fuzz.FuzzCheck;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Coverage-guided fuzz targets for what chirp-hypervisor parses from QEMU: the live-migration stream, HMP
 * {@code info registers}, and QMP lines. Seeds in src/test/resources/io/chirp/hypervisor/qemu/HypervisorFuzzTestInputs/:
 * a real QEMU 7.2 migration stream of a 2 MiB {@code pc} machine at reset (block {@code pc.ram}), that machine's
 * {@code info registers -a}, a long-mode block modelled on the lab recipe's transcript, and real QMP replies,
 * events and greeting of QEMU 7.2.
 */
class HypervisorFuzzTest {
    /** The RAM file the migration target writes into: sized like the seed's guest (2 MiB), with room to spare. */
    private static final long RAM = 4L << 20;
    private static final Path DIR;

    static {
        try {
            DIR = Files.createTempDirectory("chirp-fuzz-hypervisor");
            DIR.toFile().deleteOnExit();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A migration stream: RAM read into a file of the guest's size, or CORRUPT/UNAVAILABLE; never past the file. */
    @FuzzTest(maxDuration = "60s")
    void migrationStream(byte[] data) throws IOException {
        Path ram = DIR.resolve("ram");
        Files.deleteIfExists(ram);
        try (FileChannel out = FileChannel.open(ram, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE, StandardOpenOption.SPARSE)) {
            out.write(ByteBuffer.allocate(1), RAM - 1);
            FuzzCheck.check("migration stream", data, () -> {
                MigrationStreamReader.Summary s = new MigrationStreamReader(new ByteArrayInputStream(data), "pc.ram", out).readRam();
                assertThat(s.rounds()).isPositive();
                assertThat(s.blocks()).containsKey("pc.ram");
                assertThat(s.pagesSent()).isLessThanOrEqualTo(data.length / 4096);
                assertThat(out.size()).as("pages stay inside the guest's RAM").isEqualTo(RAM);
            });
        } finally {
            Files.deleteIfExists(ram);
        }
    }

    /** HMP {@code info registers -a}: one state per vCPU block, indexes as printed. */
    @FuzzTest(maxDuration = "60s")
    void hmpRegisters(byte[] data) {
        String text = new String(data, StandardCharsets.UTF_8);
        FuzzCheck.check("hmp registers", data, () -> {
            List<CpuState> cpus = HmpRegisters.parse(text);
            assertThat(cpus.size()).isLessThanOrEqualTo(text.length() / 4 + 1);
            for (CpuState c : cpus) assertThat(c.vcpu()).isNotNegative();
        });
    }

    /** One QMP line: an event, a reply with its id, something else, or CORRUPT. */
    @FuzzTest(maxDuration = "60s")
    void qmpResponse(byte[] data) {
        String line = new String(data, StandardCharsets.UTF_8);
        FuzzCheck.check("qmp line", data, () -> {
            switch (QmpClient.parseLine(line)) {
                case QmpClient.Message.AsyncEvent(QmpClient.Event e) -> assertThat(e.name()).isNotNull();
                case QmpClient.Message.Reply(String id, var reply) -> assertThat(reply.has("id")).isTrue();
                case QmpClient.Message.Ignored i -> { }
            }
        });
    }
}
