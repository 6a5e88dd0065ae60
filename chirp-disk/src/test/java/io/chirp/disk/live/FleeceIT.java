package io.chirp.disk.live;

import io.chirp.core.ChirpException;
import io.chirp.disk.HostTool;
import io.chirp.disk.block.BlockSource;
import io.chirp.disk.block.Qcow2Image;
import io.chirp.hypervisor.qemu.QmpClient;
import io.chirp.lab.LabGuest;
import io.chirp.lab.WithLabGuest;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Fleecing a running lab guest: frozen view, bytes equal to QEMU's own NBD client, and a clean teardown. */
@WithLabGuest(shared = false)
class FleeceIT {

    private static byte[] readAll(BlockSource s) {
        byte[] b = new byte[(int) s.size()];
        for (int off = 0; off < b.length; off += 1 << 20) s.read(off, b, off, Math.min(1 << 20, b.length - off));
        return b;
    }

    private static boolean contains(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) if (hay[i + j] != needle[j]) continue outer;
            return true;
        }
        return false;
    }

    @Test
    void fleeceIsFrozenMatchesQemuAndLeavesNothingBehind(LabGuest g) throws Exception {
        String marker = "CHIRP-FLEECE-MARKER-" + System.nanoTime();
        Path dir;
        try (Fleece f = Fleece.open(g.qmpSocket(), Optional.empty())) {
            dir = f.directory();
            assertThat(f.device().nodeName()).isEqualTo("disk0");
            byte[] before = readAll(f.source());
            assertThat(LittleEndianMagic.ext4(before)).isTrue();
            // QEMU's NBD client is the oracle for our NBD client on the same export
            Path copy = dir.getParent().resolve("chirp-fleece-oracle-" + System.nanoTime() + ".raw");
            try {
                HostTool.text(Duration.ofMinutes(2), "qemu-img", "convert", "-f", "raw", "-O", "raw", f.nbdUri(), copy.toString());
                assertThat(Files.readAllBytes(copy)).isEqualTo(before);
            } finally {
                Files.deleteIfExists(copy);
            }
            g.shell("echo " + marker + " > /mnt/data/marker.txt; sync", Duration.ofSeconds(60));
            byte[] after = readAll(f.source());
            assertThat(contains(after, marker.getBytes(StandardCharsets.US_ASCII))).as("fleece is frozen").isFalse();
            assertThat(after).isEqualTo(before);
        }
        // the live disk has the marker; the fleece did not
        // the overlay's backing file is the lab's base image: allowed by name, as an operator would
        Path base = Path.of(HostTool.text(Duration.ofSeconds(30), "qemu-img", "info", "-U", "--output=json", g.disk().toString())
                .replaceAll("(?s).*\"backing-filename\": \"([^\"]+)\".*", "$1"));
        try (Qcow2Image live = Qcow2Image.open(g.disk(), io.chirp.disk.block.BackingPolicy.allow(java.util.List.of(base.getParent())))) {
            assertThat(contains(readAll(live), marker.getBytes(StandardCharsets.US_ASCII))).as("live disk").isTrue();
        }
        assertThat(dir).doesNotExist();
        try (QmpClient q = QmpClient.connect(g.qmpSocket())) {
            assertThat(q.execute("query-block-jobs", null)).isEmpty();
            assertThat(q.execute("query-block-exports", null)).isEmpty();
            assertThat(q.execute("query-named-block-nodes", null).toString()).doesNotContain("chirp-fleece");
        }
        // a second fleece works: the NBD server was stopped
        try (Fleece f = Fleece.open(g.qmpSocket(), Optional.of("vblk0"))) {
            assertThat(contains(readAll(f.source()), marker.getBytes(StandardCharsets.US_ASCII))).isTrue();
            assertThat(f.teardownProblems()).isEmpty();
        }
    }

    @Test
    void busyMonitorAndUnknownDiskGiveClearErrors(LabGuest g) throws Exception {
        // Another process holds the monitor (inside this JVM, QmpClient shares its one connection instead).
        Process other = new ProcessBuilder("socat", "STDIO", "UNIX-CONNECT:" + g.qmpSocket()).redirectErrorStream(true).start();
        try {
            String greeting = new java.io.BufferedReader(new java.io.InputStreamReader(other.getInputStream(),
                    StandardCharsets.UTF_8)).readLine();
            assertThat(greeting).as("socat got the monitor").contains("QMP");
            assertThatThrownBy(() -> Fleece.open(g.qmpSocket(), Optional.empty())).isInstanceOf(ChirpException.class)
                    .hasMessageContaining("one client at a time");
        } finally {
            other.destroy();
            other.waitFor();
        }
        assertThatThrownBy(() -> Fleece.open(g.qmpSocket(), Optional.of("nosuchdisk"))).isInstanceOf(ChirpException.class)
                .hasMessageContaining("disk0");
        try (QmpClient q = QmpClient.connect(g.qmpSocket())) {
            assertThat(q.execute("query-named-block-nodes", null).toString()).doesNotContain("chirp-fleece");
        }
    }

    /** The ext4 magic at byte 1080, without the file-system code (tested on its own). */
    private static final class LittleEndianMagic {
        static boolean ext4(byte[] disk) { return (disk[1080] & 0xff) == 0x53 && (disk[1081] & 0xff) == 0xef; }
    }
}
