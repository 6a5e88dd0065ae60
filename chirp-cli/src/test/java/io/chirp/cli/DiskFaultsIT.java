package io.chirp.cli;

import io.chirp.cli.DiskCommandTest.Run;
import io.chirp.disk.HostTool;
import io.chirp.evidence.EvidenceManifest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import static io.chirp.cli.DiskCommandTest.run;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code disk extract} under faults, on ext4 images made with mkfs.ext4 and debugfs: killed with SIGKILL mid-write
 * (no final name, no manifest, only an owner-only {@code .partial} that the next run refuses to overwrite), and
 * writing into a folder on a file system that fills up (a 1 MiB tmpfs: a clear error, nothing left that looks
 * complete).
 */
class DiskFaultsIT {
    private static final Duration T = Duration.ofMinutes(2);
    @TempDir static Path shared;
    static Path image;
    @TempDir Path dir;

    @BeforeAll
    static void image() throws Exception {
        Path root = shared.resolve("root");
        Files.createDirectories(root);
        Files.writeString(root.resolve("claims-8g"), "x".repeat(1024));
        Files.write(root.resolve("real-4m"), "0123456789abcdef".repeat(256 * 1024).getBytes());
        image = shared.resolve("ext4.raw");
        HostTool.text(T, "truncate", "-s", "16M", image.toString());
        HostTool.text(T, "mkfs.ext4", "-q", "-F", "-d", root.toString(), image.toString());
        // one block of data, a size of 8 GiB: filling it with zeros (as asked) takes long enough to be killed
        HostTool.text(T, "debugfs", "-w", "-R", "sif /claims-8g size 0x200000000", image.toString());
    }

    @Test
    void aKilledExtractionLeavesNoFinalFileAndNoManifest() throws Exception {
        Path ev = dir.resolve("ev");
        String javaBin = ProcessHandle.current().info().command().orElse("java");
        Process child = new ProcessBuilder(javaBin, "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "disk", "extract", "--image", image.toString(), "--path", "/claims-8g", "--fill-holes", "--max-fill", "8G",
                "-o", ev.toString()).redirectErrorStream(true).redirectOutput(dir.resolve("child.log").toFile()).start();
        Path partial = null;
        try {
            long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
            while (child.isAlive() && System.nanoTime() < deadline) {
                partial = partial(ev);
                if (partial != null && Files.size(partial) > (64 << 20)) break;
                Thread.sleep(20);
            }
            assertThat(child.isAlive()).as("still writing: %s", Files.readString(dir.resolve("child.log"))).isTrue();
            child.destroyForcibly(); // SIGKILL: no finally, no shutdown hook
            child.waitFor();
        } finally {
            if (child.isAlive()) child.destroyForcibly();
        }
        assertThat(partial).isNotNull();
        String finalName = partial.getFileName().toString().replace(".partial", "");
        assertThat(ev.resolve(finalName)).as("no final name").doesNotExist();
        assertThat(EvidenceManifest.pathFor(ev.resolve(finalName))).as("no manifest").doesNotExist();
        try (Stream<Path> s = Files.list(ev)) {
            // the image's .partial, and its manifest's .partial when the kill came while committing: nothing else
            assertThat(s.map(p -> p.getFileName().toString()).toList()).as("only files named partial")
                    .contains(partial.getFileName().toString()).allMatch(n -> n.endsWith(".partial"));
        }
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(partial))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(ev))).isEqualTo("rwx------");
        Run again = run("extract", "--image", image.toString(), "--path", "/claims-8g", "-o", ev.toString());
        assertThat(again.code()).as(again.err()).isEqualTo(2);
        assertThat(again.err()).contains(".partial exists", "an earlier one was killed");
    }

    @Test
    void aFullOutputFileSystemIsAClearErrorWithNothingThatLooksComplete() throws Exception {
        Path tiny = dir.resolve("tiny");
        Files.createDirectories(tiny);
        HostTool.text(T, "mount", "-t", "tmpfs", "-o", "size=1m,mode=0700", "chirp-test-full", tiny.toString());
        try {
            Path ev = tiny.resolve("ev");
            Run r = run("extract", "--image", image.toString(), "--path", "/real-4m", "-o", ev.toString());
            assertThat(r.code()).as(r.err()).isEqualTo(1);
            assertThat(r.err()).contains("No space left on device");
            try (Stream<Path> s = Files.list(ev)) {
                List<String> left = s.map(p -> p.getFileName().toString()).toList();
                assertThat(left).as("no final file and no manifest").noneMatch(n -> !n.endsWith(".partial"));
            }
            // a smaller file still fits afterwards: the failed one did not leave the space taken
            Run small = run("extract", "--image", image.toString(), "--path", "/claims-8g", "-o", ev.toString());
            assertThat(small.code()).as(small.err()).isIn(0, 4); // 4: the claimed size beyond its one block is a warning
            try (Stream<Path> s = Files.list(ev)) {
                assertThat(s.map(p -> p.getFileName().toString()).toList())
                        .anyMatch(n -> n.endsWith("-claims-8g")).anyMatch(n -> n.endsWith("-claims-8g.manifest.json"));
            }
        } finally {
            HostTool.text(T, "umount", tiny.toString());
        }
    }

    private static Path partial(Path ev) throws Exception {
        if (!Files.isDirectory(ev)) return null;
        try (Stream<Path> s = Files.list(ev)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".partial")).findFirst().orElse(null);
        }
    }
}
