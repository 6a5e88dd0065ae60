package io.chirp.lab;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

// Bounded: the first test of a JVM also boots the domain (under TCG and load, up to a few minutes).
@Timeout(value = 8, unit = TimeUnit.MINUTES)
@WithLibvirtDomain
class LibvirtLabIT {

    @Test
    void theDomainBootsToItsGroundTruthWithRamInItsOwnShmFolder(LabDomain d) throws Exception {
        GroundTruth gt = d.groundTruth();
        assertThat(gt.kernelRelease()).endsWith("-amd64");
        assertThat(gt.processes()).anySatisfy(p -> {
            assertThat(p.comm()).isEqualTo("evil_miner");
            assertThat(p.args()).isEqualTo("sleep 100000");
        });
        // the scenario's connection to the guestfwd echo service: the passthrough NIC is the guest's eth0
        assertThat(gt.sockets()).anySatisfy(s -> {
            assertThat(s.remotePort()).isEqualTo(8000);
            assertThat(s.state()).isEqualTo(0x01);
        });
        assertThat(d.daemon().virsh(Duration.ofSeconds(30), "list", "--transient", "--name")).contains(d.name());
        long pid = d.qemuPid().orElseThrow();
        String cmdline = Files.readString(Path.of("/proc/" + pid + "/cmdline")).replace('\0', ' ');
        assertThat(cmdline).contains("user,id=chirpnet0,restrict=on").contains("\"share\":true")
                .contains("\"mem-path\":\"" + d.daemon().memoryBackingDir());
    }

    @Test
    void theReaperStopsDomainAndDaemonWhenTheOwnerDies(LabDomain shared) throws Exception {
        // A daemon of its own whose owner is a process the test can kill, standing in for a JVM killed with SIGKILL.
        Process owner = new ProcessBuilder("sleep", "600").start();
        // and the folders of a daemon that died with the host (no reaper left): removed when the next one starts
        LabHome home = shared.daemon().home();
        Path stale = Files.createDirectories(home.root().resolve("libvirt/dstale00/run"));
        Path staleRam = Files.createDirectories(home.ramDir().resolve("chirp-libvirt-dstale00"));
        Files.setLastModifiedTime(stale.getParent(), java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() - 3_600_000));
        LibvirtDaemon d = LibvirtDaemon.start(home, owner.pid(), Duration.ofSeconds(60));
        assertThat(stale.getParent()).doesNotExist();
        assertThat(staleRam).doesNotExist();
        assertThat(shared.daemon().dir()).as("a live daemon's folder is kept").isDirectory();
        try {
            LabDomain dom = LabDomain.create(d, Lab.Options.defaults().withName("chirp-reap-" + d.id()));
            long qemu = dom.qemuPid().orElseThrow();
            assertThat(d.isAlive()).isTrue();
            owner.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while ((ProcessHandle.of(qemu).isPresent() || d.isAlive() || Files.exists(d.dir()))
                    && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            assertThat(ProcessHandle.of(qemu)).as("QEMU of the orphaned domain").isEmpty();
            assertThat(d.isAlive()).as("orphaned libvirtd").isFalse();
            assertThat(d.dir()).doesNotExist();
            assertThat(d.memoryBackingDir()).doesNotExist();
            // the shared daemon and its domain were not touched
            assertThat(shared.qemuPid()).isPresent();
            assertThat(shared.daemon().isAlive()).isTrue();
        } finally {
            owner.destroyForcibly();
            d.close();
        }
    }
}
