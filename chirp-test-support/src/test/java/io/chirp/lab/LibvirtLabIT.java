package io.chirp.lab;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
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
    void theReaperStopsDomainAndDaemonWhenTheOwnerJvmIsKilled(LabDomain shared) throws Exception {
        // the folders of a daemon that died with the host (no reaper left): removed when the next one starts
        LabHome home = shared.daemon().home();
        Path stale = Files.createDirectories(home.root().resolve("libvirt/dstale00/run"));
        Path staleRam = Files.createDirectories(home.ramDir().resolve("chirp-libvirt-dstale00"));
        Files.setLastModifiedTime(stale.getParent(), FileTime.fromMillis(System.currentTimeMillis() - 3_600_000));

        // A JVM of its own starts a daemon and a domain, then dies by SIGKILL: no shutdown hook, no finally.
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process owner = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                LibvirtOwnerMain.class.getName(), home.root().toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try {
            String ready = readyLine(owner);
            assertThat(ready).as("owner JVM output").startsWith("READY ");
            String[] f = ready.split(" ");
            Path dir = Path.of(f[1]), ram = Path.of(f[2]);
            long libvirtd = Long.parseLong(f[3]), qemu = Long.parseLong(f[4]);
            assertThat(stale.getParent()).doesNotExist();
            assertThat(staleRam).doesNotExist();
            assertThat(ProcessHandle.of(qemu)).isPresent();
            assertThat(ram).isDirectory();

            owner.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while ((ProcessHandle.of(qemu).isPresent() || ProcessHandle.of(libvirtd).isPresent() || Files.exists(dir))
                    && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            assertThat(ProcessHandle.of(qemu)).as("QEMU of the orphaned domain").isEmpty();
            assertThat(ProcessHandle.of(libvirtd)).as("orphaned libvirtd").isEmpty();
            assertThat(dir).doesNotExist();
            assertThat(ram).doesNotExist();
            // the shared daemon and its domain were not touched
            assertThat(shared.qemuPid()).isPresent();
            assertThat(shared.daemon().isAlive()).isTrue();
            assertThat(shared.daemon().dir()).isDirectory();
        } finally {
            owner.destroyForcibly();
        }
    }

    /** {@return the owner's READY line, waiting at most two minutes} */
    private static String readyLine(Process owner) throws Exception {
        var reader = new java.io.BufferedReader(new java.io.InputStreamReader(owner.getInputStream(),
                java.nio.charset.StandardCharsets.UTF_8));
        var line = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return reader.readLine();
            } catch (java.io.IOException e) {
                return null;
            }
        });
        try {
            return line.get(2, TimeUnit.MINUTES);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("the owner JVM printed no READY line within 2 minutes");
        }
    }
}
