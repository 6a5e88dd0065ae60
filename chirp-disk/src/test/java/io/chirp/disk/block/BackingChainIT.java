package io.chirp.disk.block;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.chirp.core.ChirpException;
import io.chirp.disk.DiskTarget;
import io.chirp.disk.HostTool;
import io.chirp.disk.acquire.AcquiredDisk;
import io.chirp.disk.acquire.DiskAcquisition;
import io.chirp.disk.fs.FileSystems;
import io.chirp.disk.fs.FileWalker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A qcow2 header names its backing file itself: images made with qemu-img (and one a guest could write onto its
 * own disk) that point at host files are refused unless the operator allows the folder, by real path.
 */
class BackingChainIT {
    private static final Duration T = Duration.ofMinutes(2);
    @TempDir Path dir;

    private void qemuImg(String... args) {
        String[] argv = new String[args.length + 1];
        argv[0] = "qemu-img";
        System.arraycopy(args, 0, argv, 1, args.length);
        HostTool.text(T, argv);
    }

    @Test
    void hostFileAsBackingIsRefusedAndNamed() {
        Path x = dir.resolve("x.qcow2");
        qemuImg("create", "-q", "-f", "qcow2", "-u", "-b", "/etc/shadow", "-F", "raw", x.toString(), "1M");
        assertThatThrownBy(() -> DiskTarget.image(x)).isInstanceOf(ChirpException.class)
                .hasMessageContaining("/etc/shadow").hasMessageContaining("refused").hasMessageContaining("--backing-dir");
        // allowing some other folder does not help: /etc/shadow is not inside it
        assertThatThrownBy(() -> DiskTarget.image(x, ImageFormat.AUTO, BackingPolicy.allow(List.of(dir))))
                .isInstanceOf(ChirpException.class).hasMessageContaining("/etc/shadow").hasMessageContaining("outside");
        // nor does an acquisition: nothing is written
        assertThat(dir.resolve("y.raw")).doesNotExist();
        // read as raw, the file is just its own bytes
        try (DiskTarget t = DiskTarget.image(x, ImageFormat.RAW, BackingPolicy.NONE)) {
            assertThat(t.source()).isInstanceOf(RawImage.class);
            assertThat(t.source().size()).isEqualTo(x.toFile().length());
        }
    }

    @Test
    void symlinkAndDotDotEscapesAreJudgedByRealPath() throws Exception {
        Path allowed = Files.createDirectory(dir.resolve("allowed"));
        Path outside = dir.resolve("outside.raw");
        Files.write(outside, new byte[1 << 20]);
        Files.createSymbolicLink(allowed.resolve("link.raw"), outside);
        Path viaLink = allowed.resolve("via-link.qcow2");
        qemuImg("create", "-q", "-f", "qcow2", "-u", "-b", "link.raw", "-F", "raw", viaLink.toString(), "1M");
        Path viaDots = allowed.resolve("via-dots.qcow2");
        qemuImg("create", "-q", "-f", "qcow2", "-u", "-b", "../outside.raw", "-F", "raw", viaDots.toString(), "1M");
        BackingPolicy policy = BackingPolicy.allow(List.of(allowed));
        assertThatThrownBy(() -> DiskTarget.image(viaLink, ImageFormat.AUTO, policy)).isInstanceOf(ChirpException.class)
                .hasMessageContaining("real path " + outside.toRealPath()).hasMessageContaining("outside");
        assertThatThrownBy(() -> DiskTarget.image(viaDots, ImageFormat.AUTO, policy)).isInstanceOf(ChirpException.class)
                .hasMessageContaining(outside.toRealPath().toString()).hasMessageContaining("outside");
        // a device is not a regular file even inside an allowed folder
        Path viaDev = allowed.resolve("via-dev.qcow2");
        qemuImg("create", "-q", "-f", "qcow2", "-u", "-b", "/dev/zero", "-F", "raw", viaDev.toString(), "1M");
        assertThatThrownBy(() -> DiskTarget.image(viaDev, ImageFormat.AUTO, BackingPolicy.allow(List.of(Path.of("/dev")))))
                .isInstanceOf(ChirpException.class).hasMessageContaining("not a regular file");
    }

    @Test
    void allowedChainIsFollowedNamedInTheManifestAndQemuImgReadsTheSameChain() throws Exception {
        byte[] base = new byte[2 << 20];
        new Random(7).nextBytes(base);
        Files.write(dir.resolve("base.raw"), base);
        Path mid = dir.resolve("mid.qcow2"), top = dir.resolve("top.qcow2");
        qemuImg("create", "-q", "-f", "qcow2", "-b", "base.raw", "-F", "raw", mid.toString());
        HostTool.text(T, "qemu-io", "-f", "qcow2", "-c", "write -P 0x5a 100000 70000", mid.toString());
        qemuImg("create", "-q", "-f", "qcow2", "-b", "mid.qcow2", "-F", "qcow2", top.toString());
        try (DiskTarget t = DiskTarget.image(top, ImageFormat.AUTO, BackingPolicy.allow(List.of(dir)))) {
            assertThat(t.provenance().get("backing_chain")).isEqualTo(top.toRealPath() + " (qcow2) -> "
                    + mid.toRealPath() + " (qcow2) -> " + dir.resolve("base.raw").toRealPath() + " (raw)");
            AcquiredDisk raw = DiskAcquisition.acquire(t, dir.resolve("out.raw"), DiskAcquisition.Format.RAW, DiskAcquisition.Progress.NONE);
            AcquiredDisk q = DiskAcquisition.acquire(t, dir.resolve("out.qcow2"), DiskAcquisition.Format.QCOW2, DiskAcquisition.Progress.NONE);
            assertThat(q.contentSha256()).isEqualTo(raw.contentSha256());
            var manifest = new ObjectMapper().readTree(q.manifest().toFile());
            assertThat(manifest.path("source").path("identity").path("backing_chain").asText()).contains("mid.qcow2 (qcow2)", "base.raw (raw)");
        }
        HostTool.text(T, "qemu-img", "compare", "-f", "qcow2", "-F", "raw", top.toString(), dir.resolve("out.raw").toString());
        HostTool.text(T, "qemu-img", "compare", "-f", "raw", "-F", "qcow2", dir.resolve("out.raw").toString(), dir.resolve("out.qcow2").toString());
        // without the folder allowed, the same chain is refused at its first backing file
        assertThatThrownBy(() -> DiskTarget.image(top)).isInstanceOf(ChirpException.class).hasMessageContaining("mid.qcow2");
    }

    @Test
    void chainDeeperThanTheLimitAndLoopsAreCorrupt() throws Exception {
        Files.write(dir.resolve("l0.raw"), new byte[65536]);
        String below = "l0.raw", fmt = "raw";
        for (int i = 1; i <= Qcow2Image.MAX_CHAIN + 1; i++) {
            qemuImg("create", "-q", "-f", "qcow2", "-u", "-b", below, "-F", fmt, dir.resolve("l" + i + ".qcow2").toString(), "64K");
            below = "l" + i + ".qcow2";
            fmt = "qcow2";
        }
        BackingPolicy policy = BackingPolicy.allow(List.of(dir));
        Path top = dir.resolve(below);
        assertThatThrownBy(() -> DiskTarget.image(top, ImageFormat.AUTO, policy)).isInstanceOf(ChirpException.class)
                .satisfies(e -> assertThat(((ChirpException) e).kind()).isEqualTo(ChirpException.Kind.CORRUPT))
                .hasMessageContaining("deeper than " + Qcow2Image.MAX_CHAIN);
        try (DiskTarget ok = DiskTarget.image(dir.resolve("l" + (Qcow2Image.MAX_CHAIN - 1) + ".qcow2"), ImageFormat.AUTO, policy)) {
            assertThat(ok.provenance().get("backing_chain").split(" -> ")).hasSize(Qcow2Image.MAX_CHAIN);
        }
        Path a = dir.resolve("a.qcow2"), b = dir.resolve("b.qcow2");
        qemuImg("create", "-q", "-f", "qcow2", a.toString(), "1M");
        qemuImg("create", "-q", "-f", "qcow2", "-u", "-b", "a.qcow2", "-F", "qcow2", b.toString(), "1M");
        qemuImg("rebase", "-q", "-u", "-f", "qcow2", "-b", "b.qcow2", "-F", "qcow2", a.toString());
        assertThatThrownBy(() -> DiskTarget.image(b, ImageFormat.AUTO, policy)).hasMessageContaining("loops");
    }

    /**
     * What a guest can do to its own disk: a 768-byte qcow2 header (512-byte clusters, L1 at 512, backing
     * /etc/shadow) over the first KiB of an ext4 file system, which ext4 leaves unused. The file system stays intact.
     */
    @Test
    void guestWrittenHeaderOverExt4IsRawWhenToldAndRefusedWhenGuessed() throws Exception {
        Path root = Files.createDirectories(dir.resolve("root"));
        Files.writeString(root.resolve("hello.txt"), "hello\n");
        Path img = dir.resolve("guest.raw");
        HostTool.text(T, "mkfs.ext4", "-q", "-F", "-d", root.toString(), img.toString(), "8M");
        byte[] header = hostileHeader("/etc/shadow", 8 << 20);
        try (var ch = java.nio.channels.FileChannel.open(img, java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(header), 0);
        }
        HostTool.text(T, "e2fsck", "-fn", img.toString()); // still a clean ext4
        assertThatThrownBy(() -> DiskTarget.image(img)).isInstanceOf(ChirpException.class)
                .hasMessageContaining("/etc/shadow").hasMessageContaining("--input-format raw");
        try (DiskTarget t = DiskTarget.image(img, ImageFormat.RAW, BackingPolicy.NONE)) {
            var l = FileWalker.walk(FileSystems.open(t.source()));
            assertThat(l.records()).anyMatch(r -> r.path().equals("/hello.txt"));
        }
    }

    /** A minimal qcow2 v2 header: 512-byte clusters, an all-zero L1 at 512 (every cluster reads the backing file). */
    static byte[] hostileHeader(String backing, long size) {
        ByteBuffer b = ByteBuffer.allocate(768);
        byte[] name = backing.getBytes(StandardCharsets.UTF_8);
        int nameOffset = 72 + 16 + 8; // after the backing-format extension and the end marker
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
