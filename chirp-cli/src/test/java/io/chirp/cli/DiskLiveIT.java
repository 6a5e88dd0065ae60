package io.chirp.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chirp.cli.DiskCommandTest.Run;
import io.chirp.hypervisor.qemu.QmpClient;
import io.chirp.lab.LabGuest;
import io.chirp.lab.WithLabGuest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static io.chirp.cli.DiskCommandTest.run;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code chirp disk --vm} against a running lab guest that attacks the investigator: a forged qcow2 header on its own
 * disk, and a CHIRP killed while its fleece is up.
 */
@WithLabGuest(shared = false)
class DiskLiveIT {
    private static final Duration SHELL = Duration.ofSeconds(120);
    @TempDir Path dir;

    /**
     * The guest writes a qcow2 header naming /etc/shadow over the first KiB of its ext4 disk (unused by ext4).
     * Its disk seen live is raw; the acquired copy, guessed as qcow2, is refused; read as raw it is the guest's disk.
     */
    @Test
    void aGuestDiskThatLooksLikeQcow2IsRawAndItsBackingFileIsNeverRead(LabGuest g) throws Exception {
        byte[] header = hostileHeader("/etc/shadow", 64L << 20);
        StringBuilder printf = new StringBuilder();
        int used = header.length;
        while (used > 0 && header[used - 1] == 0) used--;
        for (int i = 0; i < used; i++) printf.append(String.format("\\%03o", header[i] & 0xff));
        // a directory big enough to be split into an htree while the guest writes it: stale copies in slack
        g.shell("mkdir -p /mnt/data/split && cd /mnt/data/split && i=0; while [ $i -lt 800 ]; do : > name-$i; i=$((i+1)); done; sync; echo ok", SHELL);
        g.shell("dd if=/dev/zero of=/dev/vda bs=768 count=1 conv=notrunc 2>/dev/null; printf '" + printf
                + "' | dd of=/dev/vda conv=notrunc 2>/dev/null; sync; echo written", SHELL);

        Run ls = run("ls", "--vm", g.name());
        assertThat(ls.code()).as(ls.err()).isZero();
        assertThat(ls.out()).contains("/secret.txt");
        Run tl = run("timeline", "--vm", g.name());
        assertThat(tl.code()).as(tl.err()).isZero();
        assertThat(tl.out()).contains("0|/secret.txt|");
        Run x = run("extract", "--vm", g.name(), "--path", "/secret.txt", "-o", dir.resolve("ev").toString());
        assertThat(x.code()).as(x.err()).isZero();

        Path y = dir.resolve("y.raw");
        Run acq = run("acquire", "--vm", g.name(), "-o", y.toString());
        assertThat(acq.code()).as(acq.err()).isZero();
        byte[] first = new byte[4];
        try (InputStream in = Files.newInputStream(y)) {
            assertThat(in.readNBytes(first, 0, 4)).isEqualTo(4);
        }
        assertThat(first).as("the guest's forged magic is in the evidence, as written").containsExactly('Q', 'F', 'I', 0xfb);
        JsonNode manifest = new ObjectMapper().readTree(dir.resolve("y.raw.manifest.json").toFile());
        assertThat(manifest.path("source").path("identity").path("image_format").asText()).isEqualTo("raw");

        Path z = dir.resolve("z.raw");
        Run again = run("acquire", "--image", y.toString(), "-o", z.toString());
        assertThat(again.code()).isEqualTo(1);
        assertThat(again.err()).contains("/etc/shadow", "refused", "--input-format raw");
        assertThat(z).doesNotExist();
        Run raw = run("acquire", "--image", y.toString(), "--input-format", "raw", "-o", z.toString());
        assertThat(raw.code()).as(raw.err()).isZero();
        assertThat(Files.mismatch(y, z)).isEqualTo(-1);
        // the acquired bytes, read as raw, list exactly as the Sleuth Kit lists them
        Run body = run("timeline", "--image", y.toString(), "--input-format", "raw");
        assertThat(body.code()).as(body.err()).isZero();
        java.util.TreeSet<String> ours = new java.util.TreeSet<>(body.out().lines().toList());
        java.util.TreeSet<String> fls = new java.util.TreeSet<>(io.chirp.disk.HostTool.text(SHELL, "fls", "-r", "-m", "/", y.toString()).lines().toList());
        assertThat(ours).anyMatch(l -> l.startsWith("0|/split/name-799|")).isEqualTo(fls);
        Run lsImage = run("ls", "--image", y.toString(), "--input-format", "raw");
        assertThat(lsImage.code()).as(lsImage.err()).isZero();
        assertThat(lsImage.out()).contains("/secret.txt");
    }

    /**
     * {@code disk ls -r --vm} in its own process, killed with SIGKILL while its fleece is up (it blocks writing a
     * listing nobody reads). The next {@code disk ls --vm} cleans up and says so; QEMU is left as found.
     */
    @Test
    void aKilledChirpLeavesNothingTheNextOneCannotCleanUp(LabGuest g) throws Exception {
        // enough files that the JSON listing overfills a pipe: the child blocks with its fleece up
        g.shell("mkdir -p /mnt/data/many-more && cd /mnt/data/many-more && i=0; while [ $i -lt 1500 ]; do : > f-$i; i=$((i+1)); done; sync; echo ok", SHELL);
        String javaBin = ProcessHandle.current().info().command().orElse("java");
        List<String> argv = new ArrayList<>(List.of(javaBin, "-cp", System.getProperty("java.class.path"), "io.chirp.cli.Main",
                "disk", "ls", "-r", "--vm", g.name(), "--format", "json"));
        Process child = new ProcessBuilder(argv).redirectError(dir.resolve("child.err").toFile()).start();
        try {
            // it has printed (so the fleece is up and read), and is stuck on the full pipe
            long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
            while (child.getInputStream().available() == 0 && child.isAlive() && System.nanoTime() < deadline) Thread.sleep(100);
            Thread.sleep(1000);
            assertThat(child.isAlive()).as("child still holds its fleece; stderr: %s", Files.readString(dir.resolve("child.err"))).isTrue();
            child.destroyForcibly(); // SIGKILL: no shutdown hook, no finally
            child.waitFor();
        } finally {
            if (child.isAlive()) child.destroyForcibly();
        }
        long pid = child.pid();
        try (QmpClient q = QmpClient.connect(g.qmpSocket())) {
            assertThat(q.execute("query-block-jobs", null).toString()).as("the kill left a job behind").contains("chirp-fleece-job-" + pid);
        }
        Run next = run("ls", "--vm", g.name());
        assertThat(next.code()).as(next.err()).isZero();
        assertThat(next.err()).contains("cleaned up a stale fleece left by CHIRP process " + pid, "removed block job chirp-fleece-job-" + pid,
                "removed NBD server");
        assertThat(next.out()).contains("/secret.txt");
        try (QmpClient q = QmpClient.connect(g.qmpSocket())) {
            assertThat(q.execute("query-block-jobs", null)).isEmpty();
            assertThat(q.execute("query-block-exports", null)).isEmpty();
            assertThat(q.execute("query-named-block-nodes", null).toString()).doesNotContain("chirp-");
        }
        // and nothing is cleaned twice
        Run third = run("ls", "--vm", g.name());
        assertThat(third.code()).as(third.err()).isZero();
        assertThat(third.err()).doesNotContain("cleaned up");
    }

    /** The same minimal qcow2 v2 header as chirp-disk's BackingChainIT: 512-byte clusters, zero L1 at 512. */
    static byte[] hostileHeader(String backing, long size) {
        ByteBuffer b = ByteBuffer.allocate(768);
        byte[] name = backing.getBytes(StandardCharsets.UTF_8);
        int nameOffset = 72 + 16 + 8;
        long l1Entries = (size + (64L * 512) - 1) / (64L * 512);
        b.putInt(0x514649fb).putInt(2).putLong(nameOffset).putInt(name.length).putInt(9).putLong(size)
                .putInt(0).putInt((int) l1Entries).putLong(512).putLong(0).putInt(0).putInt(0).putLong(0);
        b.position(72);
        b.putInt(0xE2792ACA).putInt(3).put("raw".getBytes(StandardCharsets.US_ASCII)).put(new byte[5]);
        b.putInt(0).putInt(0);
        b.put(name);
        return b.array();
    }
}
