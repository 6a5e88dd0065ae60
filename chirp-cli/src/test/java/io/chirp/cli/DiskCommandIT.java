package io.chirp.cli;

import io.chirp.disk.HostTool;
import io.chirp.lab.GuestImageBuilder;
import io.chirp.lab.LabHome;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import io.chirp.cli.DiskCommandTest.Run;

import static io.chirp.cli.DiskCommandTest.run;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code chirp disk} on images damaged or forged with the real tools (debugfs, qemu-img): warnings and exit code 4
 * for partial results, refusal of a backing file the operator did not allow, owner-only evidence.
 */
class DiskCommandIT {
    static Path image;
    @TempDir Path out;

    @BeforeAll
    static void image() {
        image = new GuestImageBuilder(LabHome.fromEnvironment()).build().disk();
    }

    @Test
    void damageIsAWarningAndExitCodeFour() throws Exception {
        Path img = out.resolve("damaged.raw");
        Files.copy(image, img);
        HostTool.text(java.time.Duration.ofMinutes(1), "debugfs", "-w", "-R", "sif <2> checksum 0x1234", img.toString());
        Run ls = run("ls", "--image", img.toString());
        assertThat(ls.code()).as(ls.err()).isEqualTo(4);
        assertThat(ls.out()).contains("/secret.txt");
        assertThat(ls.err()).contains("chirp: warning: partial listing: /: ext4: inode 2 checksum mismatch");
        Run rec = run("ls", "-r", "--image", img.toString());
        assertThat(rec.code()).isEqualTo(4);
        Run tl = run("timeline", "--image", img.toString(), "-o", out.resolve("body.txt").toString());
        assertThat(tl.code()).isEqualTo(4);
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(out.resolve("body.txt")))).isEqualTo("rw-------");
        // a size beyond the blocks: partial extraction, and the real bytes only
        HostTool.text(java.time.Duration.ofMinutes(1), "debugfs", "-n", "-w", "-R", "sif /secret.txt size 0x10000000000", img.toString());
        Run x = run("extract", "--image", img.toString(), "--path", "/secret.txt", "-o", out.resolve("ev").toString(), "--format", "json");
        assertThat(x.code()).as(x.err()).isEqualTo(4);
        assertThat(x.err()).contains("partial extraction: /secret.txt: claims 1099511627776 bytes");
        assertThat(x.out()).contains("\"status\" : \"partial\"");
    }

    @Test
    void aQcow2NamingAHostFileIsRefusedAndRawOnRequest() throws Exception {
        Path x = out.resolve("x.qcow2");
        HostTool.text(java.time.Duration.ofMinutes(1), "qemu-img", "create", "-q", "-f", "qcow2", "-u", "-b", "/etc/shadow", "-F", "raw", x.toString(), "1M");
        Run acq = run("acquire", "--image", x.toString(), "-o", out.resolve("y.raw").toString());
        assertThat(acq.code()).isEqualTo(1);
        assertThat(acq.err()).contains("/etc/shadow", "refused");
        assertThat(out.resolve("y.raw")).doesNotExist();
        Run raw = run("acquire", "--image", x.toString(), "--input-format", "raw", "-o", out.resolve("z.raw").toString());
        assertThat(raw.code()).as(raw.err()).isZero();
        assertThat(Files.mismatch(x, out.resolve("z.raw"))).isEqualTo(-1);
        assertThat(run("ls", "--image", x.toString(), "--backing-dir", out.toString()).err()).contains("outside every --backing-dir");
        assertThat(run("ls", "--vm", "nosuchvm", "--backing-dir", out.toString()).code()).isEqualTo(2);
    }


    /** {@code disk acquire} in its own process, killed with SIGKILL mid-copy: no final name, only an owner-only .partial. */
    @Test
    void aKilledAcquisitionLeavesNoFinalFile() throws Exception {
        Path big = out.resolve("big.raw");
        try (var f = new java.io.RandomAccessFile(big.toFile(), "rw")) {
            f.setLength(4L << 30); // sparse: reading it is quick, but not instant
        }
        Path target = out.resolve("evidence/copy.raw");
        String javaBin = ProcessHandle.current().info().command().orElse("java");
        Process child = new ProcessBuilder(javaBin, "-cp", System.getProperty("java.class.path"), "io.chirp.cli.Main",
                "disk", "acquire", "--image", big.toString(), "--input-format", "raw", "-o", target.toString())
                .redirectErrorStream(true).redirectOutput(out.resolve("child.log").toFile()).start();
        Path partial = out.resolve("evidence/copy.raw.partial");
        try {
            long deadline = System.nanoTime() + java.time.Duration.ofMinutes(2).toNanos();
            while (!(Files.exists(partial) && Files.size(partial) > (64 << 20)) && child.isAlive() && System.nanoTime() < deadline) Thread.sleep(20);
            assertThat(child.isAlive()).as("still copying: %s", Files.readString(out.resolve("child.log"))).isTrue();
            child.destroyForcibly();
            child.waitFor();
        } finally {
            if (child.isAlive()) child.destroyForcibly();
        }
        assertThat(target).doesNotExist();
        assertThat(out.resolve("evidence/copy.raw.manifest.json")).doesNotExist();
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(partial))).isEqualTo("rw-------");
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(out.resolve("evidence")))).isEqualTo("rwx------");
        Run again = run("acquire", "--image", big.toString(), "--input-format", "raw", "-o", target.toString());
        assertThat(again.code()).isEqualTo(2);
        assertThat(again.err()).contains("copy.raw.partial exists", "an earlier one was killed");
        Files.delete(partial);
    }
}
