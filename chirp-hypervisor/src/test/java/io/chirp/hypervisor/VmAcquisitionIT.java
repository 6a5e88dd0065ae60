package io.chirp.hypervisor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chirp.evidence.EvidenceManifest;
import io.chirp.lab.GroundTruth;
import io.chirp.lab.LabGuest;
import io.chirp.lab.WithLabGuest;
import io.chirp.memory.ImageFormat;
import io.chirp.memory.MemoryImage;
import io.chirp.memory.MemoryImages;
import io.chirp.memory.acquire.MemoryAcquirer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

@WithLabGuest
class VmAcquisitionIT {

    private static long bannerPhys(GroundTruth gt) {
        Map<String, Long> k = gt.kallsyms();
        return gt.kernelCodePhys().orElseThrow() + (k.get("linux_banner") - k.get("_text"));
    }

    @Test
    void threeModesGiveVerifiableImagesAndOnlyTheConsistentOnesPause(LabGuest g, @TempDir Path dir) throws Exception {
        long banner = bannerPhys(g.groundTruth());
        VmAcquisition.Result live, consistent, migration;
        try (LiveVm vm = LiveVm.attach(new VmInventory().find(g.name()))) {
            JsonNode before = vm.qmp().orElseThrow().execute("query-migrate-parameters", null);
            live = VmAcquisition.acquire(vm, dir.resolve("live.elf"), ImageFormat.ELF_CORE, VmAcquisition.Mode.LIVE, (d, t) -> {});
            consistent = VmAcquisition.acquire(vm, dir.resolve("cons.lime"), ImageFormat.LIME, VmAcquisition.Mode.CONSISTENT, (d, t) -> {});
            migration = VmAcquisition.acquire(vm, dir.resolve("mig.elf"), ImageFormat.ELF_CORE, VmAcquisition.Mode.MIGRATION, (d, t) -> {});
            assertThat(vm.status()).isEqualTo("running");
            JsonNode after = vm.qmp().orElseThrow().execute("query-migrate-parameters", null);
            assertThat(after.path("downtime-limit")).as("migration settings restored").isEqualTo(before.path("downtime-limit"));
            assertThat(after.path("max-bandwidth")).isEqualTo(before.path("max-bandwidth"));
        }
        assertThat(live.stopEvents()).as("a live acquisition never pauses the guest").isZero();
        assertThat(live.qemuPauseMicros()).isEqualTo(-1);
        assertThat(consistent.qemuPauseMicros()).isPositive();
        assertThat(migration.qemuPauseMicros()).isPositive();
        assertThat(migration.qemuPauseMicros()).as("migration pauses far less than pause-copy-resume")
                .isLessThan(consistent.qemuPauseMicros() / 4);

        assertThat(live.manifest().mode()).isEqualTo("live");
        assertThat(consistent.manifest().mode()).isEqualTo("consistent");
        assertThat(migration.manifest().mode()).isEqualTo("migration");
        assertThat(consistent.manifest().notes()).anyMatch(n -> n.contains("QEMU's STOP..RESUME"));
        assertThat(live.manifest().notes()).anyMatch(n -> n.contains("smeared"));
        assertThat(io.chirp.hypervisor.pause.PauseMarker.fileFor(g.name())).as("no pause marker left").doesNotExist();
        for (String name : new String[] {"live.elf", "cons.lime", "mig.elf"}) {
            Path img = dir.resolve(name);
            EvidenceManifest em = EvidenceManifest.read(MemoryAcquirer.manifestPath(img));
            assertThat(em.complete()).isTrue();
            assertThat(em.source().name()).isEqualTo(g.name());
            assertThat(sha256(img)).isEqualTo(new ObjectMapper().readTree(MemoryAcquirer.manifestPath(img).toFile())
                    .path("sha256").asText());
            assertThat(dir.resolve(name + ".partial")).doesNotExist();
            try (MemoryImage m = MemoryImages.open(img)) {
                assertThat(new String(m.memory().readBytes(banner, 14), StandardCharsets.US_ASCII)).isEqualTo("Linux version ");
                assertThat(m.memory().limit()).isEqualTo(g.memoryBytes());
                if (m.format() == ImageFormat.ELF_CORE) {
                    assertThat(m.cpus()).hasSize(1);
                    assertThat(m.cpus().getFirst().cr3()).isPresent();
                }
            }
        }
        assertThat(Files.list(dir).filter(p -> p.getFileName().toString().startsWith(".chirp-migration")).count())
                .as("scratch files removed").isZero();
    }

    private static String sha256(Path p) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (var in = Files.newInputStream(p)) {
            byte[] buf = new byte[1 << 20];
            int n;
            while ((n = in.read(buf)) > 0) md.update(buf, 0, n);
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
