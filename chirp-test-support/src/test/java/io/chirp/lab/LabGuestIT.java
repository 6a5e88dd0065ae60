package io.chirp.lab;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

@WithLabGuest
class LabGuestIT {

    @Test
    void bootsWithAllChannelsAndReportsGroundTruth(LabGuest g) {
        assertThat(g.isAlive()).isTrue();
        assertThat(g.ramFile()).isRegularFile();
        assertThat(g.ramFile().toFile().length()).isEqualTo(g.memoryBytes());
        assertThat(g.qmpSocket()).exists();
        assertThat(g.gdbPort()).isPositive();

        GroundTruth gt = g.groundTruth();
        assertThat(gt.kernelRelease()).endsWith("-amd64");
        assertThat(gt.processes()).anySatisfy(p -> {
            assertThat(p.comm()).isEqualTo("evil_miner");
            assertThat(p.args()).isEqualTo("sleep 100000");
        });
        assertThat(gt.processes()).anySatisfy(p -> {
            assertThat(p.comm()).isEqualTo("kworkerd");
            assertThat(p.uid()).isEqualTo(1000);
        });
        assertThat(gt.modules()).contains("ext4", "virtio_net", "virtio_blk");
        assertThat(gt.kallsyms()).containsKeys("init_task", "linux_banner", "_text");
        // the listener on 4444 and the established connection to the guestfwd echo service
        assertThat(gt.sockets()).anySatisfy(s -> {
            assertThat(s.localPort()).isEqualTo(4444);
            assertThat(s.state()).isEqualTo(0x0A);
        });
        assertThat(gt.sockets()).anySatisfy(s -> {
            assertThat(s.remotePort()).isEqualTo(8000);
            assertThat(s.state()).isEqualTo(0x01);
        });
        assertThat(gt.section("mounts")).anySatisfy(m -> assertThat(m).startsWith("/dev/vda /mnt/data ext4"));
    }

    @Test
    void runsCommandsOnTheSerialConsole(LabGuest g) {
        assertThat(g.shell("cat /mnt/data/secret.txt", Duration.ofSeconds(20)))
                .contains("CHIRP-SECRET-0xC0FFEE known content");
        // back to back, with output longer than a terminal line and than a kilobyte
        for (int i = 0; i < 5; i++) {
            String out = g.shell("seq 1 600; echo " + "x".repeat(200) + i, Duration.ofSeconds(30));
            assertThat(out.lines().filter(l -> l.matches("\\d+"))).hasSize(600);
            assertThat(out).contains("x".repeat(200) + i);
        }
    }

    @Test
    void reachesNothingButItsForwards(LabGuest g) {
        // restrict=on: the slirp gateway is not reachable; only the guestfwd alias answers.
        String out = g.shell("echo x | nc -w 2 10.0.2.2 22; echo rc=$?", Duration.ofSeconds(30));
        assertThat(out).contains("rc=1");
    }

    @Test
    void theLabIsListed(LabGuest g) throws Exception {
        assertThat(Lab.fromEnvironment().list()).extracting(LabGuest::name).contains(g.name());
        assertThat(Files.readString(g.dir().resolve("qemu.cmdline"))).contains("restrict=on");
    }
}
