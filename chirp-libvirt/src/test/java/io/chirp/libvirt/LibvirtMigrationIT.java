package io.chirp.libvirt;

import com.fasterxml.jackson.databind.JsonNode;
import io.chirp.hypervisor.VmAcquisition;
import io.chirp.hypervisor.backend.VmBackends;
import io.chirp.hypervisor.backend.VmHandle;
import io.chirp.hypervisor.pause.PauseMarker;
import io.chirp.lab.GroundTruth;
import io.chirp.lab.LabDomain;
import io.chirp.lab.WithLibvirtDomain;
import io.chirp.linux.LinuxKernel;
import io.chirp.linux.LinuxProcess;
import io.chirp.linux.Processes;
import io.chirp.memory.ImageFormat;
import io.chirp.memory.MemoryImage;
import io.chirp.memory.MemoryImages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code acquire --migration} on a libvirt domain of a real libvirtd: QEMU's live migration into CHIRP through
 * libvirt's monitor passthrough gives an image of one instant with a millisecond pause (QEMU's STOP/RESUME
 * timestamps), registers of that instant, and leaves the domain running with its migration settings as they were;
 * a CHIRP killed with SIGKILL mid-capture is cleaned up after by its guardian through the same passthrough.
 */
@Timeout(value = 12, unit = TimeUnit.MINUTES)
@WithLibvirtDomain
class LibvirtMigrationIT {
    private static final Set<String> MIGRATING = Set.of("setup", "active", "pre-switchover", "device", "cancelling");

    @Test
    void aMigrationImageIsOneInstantWithAShortPauseAndTheDomainRunsOnAsItWas(LabDomain d, @TempDir Path dir) throws Exception {
        try (LibvirtConnection c = LibvirtConnection.open(d.daemon().uri()); LibvirtDomain dom = c.domain(d.name())) {
            JsonNode before = dom.qmp("query-migrate-parameters", null);
            Path out = dir.resolve("m.elf");
            VmAcquisition.Result r;
            try (VmHandle h = VmBackends.open("libvirt:" + d.name(), Optional.of(d.daemon().uri()))) {
                r = h.acquire(out, ImageFormat.ELF_CORE, VmAcquisition.Mode.MIGRATION, null);
            }
            System.out.println("libvirt migration: pause " + r.qemuPauseMicros() + " us; " + r.manifest().notes());
            assertThat(r.manifest().complete()).isTrue();
            assertThat(r.manifest().mode()).isEqualTo("migration");
            assertThat(r.manifest().evidence().source().backend()).isEqualTo("libvirt/migration");
            long total = ((Number) r.manifest().evidence().details().get("migration_total_ms")).longValue();
            // QEMU's own STOP and RESUME timestamps; the pause is a small part of a migration of seconds
            assertThat(r.qemuPauseMicros()).as("pause from QEMU's events").isPositive();
            assertThat(r.qemuPauseMicros()).as("pause vs the whole migration (%d ms)", total).isLessThan(total * 1000 / 4);
            assertThat(r.manifest().vcpus()).as("registers read in the pause").isPositive();
            assertThat(dom.state()).isEqualTo(DomainState.RUNNING);
            JsonNode after = dom.qmp("query-migrate-parameters", null);
            assertThat(after.path("downtime-limit").asLong()).isEqualTo(before.path("downtime-limit").asLong());
            assertThat(after.path("max-bandwidth").asLong()).isEqualTo(before.path("max-bandwidth").asLong());
            assertThat(PauseMarker.read("libvirt:" + d.name())).as("no marker left").isEmpty();
            assertThat(dom.qmp("query-migrate", null).path("status").asText()).isEqualTo("completed");

            // the image of that instant: the guest's processes, found with the registers it carries
            try (MemoryImage img = MemoryImages.open(out)) {
                assertThat(img.cpus()).isNotEmpty();
                LinuxKernel k = LinuxKernel.attach(img.memory(), img.cpus());
                Processes.Listing l = new Processes(k).list(false, true);
                assertThat(l.walk().complete()).as(l.walk().problem()).isTrue();
                check(l, d.groundTruth());
            }
        }
    }

    @Test
    void aCaptureStoppedByItsProgressListenerMidStreamCancelsTheMigrationAndPutsTheDomainBack(LabDomain d, @TempDir Path dir)
            throws Exception {
        // a server job's cancel: its progress listener throws; the migration must not run on to its end
        try (LibvirtConnection c = LibvirtConnection.open(d.daemon().uri()); LibvirtDomain dom = c.domain(d.name())) {
            JsonNode before = dom.qmp("query-migrate-parameters", null);
            long[] seen = {0, 0};
            Path out = dir.resolve("c.lime");
            try (VmHandle h = VmBackends.open("libvirt:" + d.name(), Optional.of(d.daemon().uri()))) {
                org.assertj.core.api.Assertions.assertThatThrownBy(() -> h.acquire(out, ImageFormat.LIME,
                        VmAcquisition.Mode.MIGRATION, (done, total) -> {
                            seen[0] = done;
                            seen[1] = total;
                            throw new io.chirp.core.ChirpException(io.chirp.core.ChirpException.Kind.INTERRUPTED, "cancelled");
                        })).isInstanceOf(io.chirp.core.ChirpException.class).hasMessageContaining("cancelled");
            }
            assertThat(seen[0]).as("told of the stream before its end").isPositive().isLessThan(seen[1]);
            assertThat(MIGRATING).doesNotContain(dom.qmp("query-migrate", null).path("status").asText("none"));
            // ended short of completion: cancelled by the recovery, or failed first when the closed pipe broke QEMU's write
            assertThat(dom.qmp("query-migrate", null).path("status").asText()).isIn("cancelled", "failed");
            assertThat(dom.state()).isEqualTo(DomainState.RUNNING);
            JsonNode after = dom.qmp("query-migrate-parameters", null);
            assertThat(after.path("downtime-limit").asLong()).isEqualTo(before.path("downtime-limit").asLong());
            assertThat(PauseMarker.read("libvirt:" + d.name())).isEmpty();
            assertThat(out).doesNotExist();
        }
    }

    /** The process that captures and waits to be killed: {@code Capturer URI NAME OUT}. */
    public static final class Capturer {
        public static void main(String[] args) throws Exception {
            try (VmHandle h = VmBackends.open("libvirt:" + args[1], Optional.of(args[0]))) {
                h.acquire(Path.of(args[2]), ImageFormat.LIME, VmAcquisition.Mode.MIGRATION, null);
            }
        }
    }

    @Test
    void aCaptureKilledWithSigkillIsPutBackByItsGuardianThroughLibvirt(LabDomain d, @TempDir Path dir) throws Exception {
        Path marker = PauseMarker.fileFor("libvirt:" + d.name());
        Path log = marker.resolveSibling(marker.getFileName() + ".guardian.log");
        Files.deleteIfExists(log);
        try (LibvirtConnection c = LibvirtConnection.open(d.daemon().uri()); LibvirtDomain dom = c.domain(d.name())) {
            JsonNode before = dom.qmp("query-migrate-parameters", null);
            Path java = Path.of(System.getProperty("java.home"), "bin", "java");
            Process p = new ProcessBuilder(List.of(java.toString(), "--enable-native-access=ALL-UNNAMED", "-cp",
                    System.getProperty("java.class.path"), Capturer.class.getName(), d.daemon().uri(), d.name(),
                    dir.resolve("k.lime").toString()))
                    .redirectErrorStream(true).redirectOutput(dir.resolve("capturer.out").toFile()).start();
            try {
                // killed in the middle of the migration (query-migrate keeps the last one's "completed" until a new
                // one starts): the marker is down, QEMU streams RAM with CHIRP's settings
                long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
                String status = "none";
                while (p.isAlive() && System.nanoTime() < deadline) {
                    status = dom.qmp("query-migrate", null).path("status").asText("none");
                    if (Files.exists(marker) && status.equals("active")) break;
                    Thread.sleep(2);
                }
                assertThat(status).as("the migration ran: " + Files.readString(dir.resolve("capturer.out"))).isEqualTo("active");
                assertThat(dom.qmp("query-migrate-parameters", null).path("downtime-limit").asLong()).isEqualTo(20);
                new ProcessBuilder("kill", "-9", Long.toString(p.pid())).start().waitFor();
                assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
                System.out.println("killed with the migration " + status);
            } finally {
                p.destroyForcibly();
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (Files.exists(marker) && System.nanoTime() < deadline) Thread.sleep(100);
            // the guardian removes the marker, then logs what it did: wait for its last line too
            String guardian = "(no guardian log)";
            while (System.nanoTime() < deadline) {
                guardian = Files.exists(log) ? Files.readString(log) : "(no guardian log)";
                if (guardian.contains("migration parameters restored")) break;
                Thread.sleep(100);
            }
            assertThat(marker).as("the guardian removed the marker; its log:\n" + guardian).doesNotExist();
            assertThat(guardian).contains("and died; putting the domain back", "migration parameters restored");
            assertThat(MIGRATING).as("no migration left running").doesNotContain(
                    dom.qmp("query-migrate", null).path("status").asText("none"));
            assertThat(dom.state()).as("the guest runs").isEqualTo(DomainState.RUNNING);
            JsonNode after = dom.qmp("query-migrate-parameters", null);
            assertThat(after.path("downtime-limit").asLong()).isEqualTo(before.path("downtime-limit").asLong());
            assertThat(after.path("max-bandwidth").asLong()).isEqualTo(before.path("max-bandwidth").asLong());
            try (var s = Files.list(dir)) {
                assertThat(s.map(x -> x.getFileName().toString())).as("no image").doesNotContain("k.lime");
            }
            Files.deleteIfExists(log);
        }
    }

    private static void check(Processes.Listing l, GroundTruth gt) {
        int compared = 0;
        for (GroundTruth.Process p : gt.processes()) {
            if (p.ppid() != 1 || p.args().equals("/bin/sleep 5")) continue; // init's long-lived children
            LinuxProcess o = l.processes().stream().filter(x -> x.pid() == p.pid()).findFirst().orElse(null);
            assertThat(o).as("process %s (%s) in the image", p.pid(), p.comm()).isNotNull();
            if (!o.comm().equals(p.comm())) continue;
            compared++;
            assertThat(o.cmdline() == null ? "" : o.cmdline()).as("cmdline of %s", p.pid()).isEqualTo(p.args());
        }
        assertThat(compared).isGreaterThan(5);
        assertThat(l.processes()).anySatisfy(p -> assertThat(p.comm()).isEqualTo("evil_miner"));
    }
}
