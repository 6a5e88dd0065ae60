package io.chirp.disk.fs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chirp.disk.HostTool;
import io.chirp.disk.block.BlockSource;
import io.chirp.disk.block.RawImage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Inodes whose size lies about their blocks (debugfs {@code sif ... size}) and FAT entries longer than their chain:
 * extraction writes what is on the disk, says what is not, and never writes a claimed terabyte.
 */
class BoundedExtractionIT {
    private static final Duration T = Duration.ofMinutes(2);
    @TempDir Path dir;

    private Path ext4(String... debugfs) throws Exception {
        Path root = Files.createDirectories(dir.resolve("root/home/alice/deep/er"));
        Files.writeString(root.resolve("file"), "the real content\n".repeat(300), StandardCharsets.US_ASCII);
        // a genuinely sparse file: data, a 3 MiB hole, data
        try (RandomAccessFile f = new RandomAccessFile(dir.resolve("root/sparse.bin").toFile(), "rw")) {
            byte[] a = new byte[8192];
            new Random(3).nextBytes(a);
            f.write(a);
            f.seek(3L << 20);
            f.write(a);
        }
        Path img = dir.resolve("ext4-" + System.nanoTime() + ".raw");
        HostTool.text(T, "mkfs.ext4", "-q", "-F", "-b", "4096", "-d", dir.resolve("root").toString(), img.toString(), "32M");
        for (String cmd : debugfs) HostTool.text(T, "debugfs", "-w", "-R", cmd, img.toString());
        return img;
    }

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    @Test
    void aTerabyteClaimWritesOnlyTheRealBlocksAndSaysSo() throws Exception {
        Path img = ext4("sif /home/alice/deep/er/file size 0x10000000000");
        Path ev = dir.resolve("ev");
        ExtractedFile x;
        try (BlockSource disk = RawImage.open(img); FileSystem fs = FileSystems.open(disk)) {
            x = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> Extractor.extractPath(fs, "/home/alice/deep/er/file", ev));
        }
        assertThat(x.claimedSize()).isEqualTo(1L << 40);
        assertThat(x.size()).isEqualTo(4096 * 2); // the file's two blocks, not a byte more
        assertThat(Files.size(x.output())).isEqualTo(x.size());
        assertThat(Files.readString(x.output())).startsWith("the real content\n");
        assertThat(x.complete()).isFalse();
        assertThat(x.problems()).singleElement().asString().contains("claims 1099511627776 bytes", "blocks end at 8192", "--fill-holes");
        JsonNode m = new ObjectMapper().readTree(x.manifest().toFile());
        assertThat(m.path("details").path("claimed_size").asLong()).isEqualTo(1L << 40);
        assertThat(m.path("complete").asBoolean()).isFalse();
        assertThat(m.path("notes").get(0).asText()).contains("claims 1099511627776 bytes");
        assertThat(m.path("sha256").asText()).isEqualTo(sha256(Files.readAllBytes(x.output())));
        // owner-only evidence, nothing left half-written
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(ev))).isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(x.output()))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(x.manifest()))).isEqualTo("rw-------");
        assertThat(ev.toFile().list()).noneMatch(n -> n.endsWith(".partial"));
        // asking for the zeros is capped too
        try (BlockSource disk = RawImage.open(img); FileSystem fs = FileSystems.open(disk)) {
            ExtractedFile f = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> Extractor.extractPath(fs,
                    "/home/alice/deep/er/file", dir.resolve("ev2"), new Extractor.Options(true, 64 << 20, Map.of())));
            assertThat(f.size()).isEqualTo(8192);
            assertThat(f.problems()).singleElement().asString().contains("exceed the fill limit");
        }
    }

    @Test
    void aSmallTailIsFilledOnRequestSparselyAndMatchesIcat() throws Exception {
        Path img = ext4("sif /home/alice/deep/er/file size 0x1000000"); // 16 MiB claimed over 8 KiB of blocks
        try (BlockSource disk = RawImage.open(img); FileSystem fs = FileSystems.open(disk)) {
            long ino = Extractor.resolve(fs, "/home/alice/deep/er/file");
            ExtractedFile f = Extractor.extract(fs, ino, "/home/alice/deep/er/file", dir.resolve("ev"),
                    new Extractor.Options(true, Extractor.Options.DEFAULT_MAX_FILL, Map.of("image", img.toString())));
            assertThat(f.complete()).as("%s", f.problems()).isTrue();
            assertThat(f.size()).isEqualTo(16 << 20);
            assertThat(f.holes()).containsExactly(new ExtractedFile.Hole(8192, (16 << 20) - 8192));
            byte[] icat = SleuthKit.icat(img, ino);
            assertThat(f.sha256()).isEqualTo(sha256(icat)).isEqualTo(sha256(Files.readAllBytes(f.output())));
            // the zeros are a hole in the output too: they take no space on the host
            String du = HostTool.text(T, "du", "-k", f.output().toString()).split("\\s+")[0];
            assertThat(Long.parseLong(du)).as("KiB on the host").isLessThan(1024);
        }
    }

    @Test
    void interiorHolesStayHolesAreListedAndTheBytesMatchIcat() throws Exception {
        Path img = ext4();
        try (BlockSource disk = RawImage.open(img); FileSystem fs = FileSystems.open(disk)) {
            long ino = Extractor.resolve(fs, "/sparse.bin");
            ExtractedFile f = Extractor.extract(fs, ino, "/sparse.bin", dir.resolve("ev"));
            assertThat(f.complete()).isTrue();
            assertThat(f.holes()).containsExactly(new ExtractedFile.Hole(8192, (3L << 20) - 8192));
            assertThat(Files.readAllBytes(f.output())).isEqualTo(SleuthKit.icat(img, ino));
            // a hole beyond the fill cap stops the output there, said as a problem
            ExtractedFile capped = Extractor.extract(fs, ino, "/sparse.bin", dir.resolve("ev2"), new Extractor.Options(false, 1 << 20, Map.of()));
            assertThat(capped.size()).isEqualTo(8192);
            assertThat(capped.problems()).singleElement().asString().contains("hole of " + ((3L << 20) - 8192));
        }
    }

    @Test
    void fatEntryLongerThanItsChainIsPartial() throws Exception {
        Path img = dir.resolve("fat.img");
        HostTool.text(T, "mkfs.vfat", "-F", "32", "-C", img.toString(), "80000");
        Path f = dir.resolve("data.bin");
        byte[] data = new byte[10000];
        new Random(1).nextBytes(data);
        Files.write(f, data);
        HostTool.text(T, "mcopy", "-i", img.toString(), f.toString(), "::/DATA.BIN");
        long inode;
        try (BlockSource disk = RawImage.open(img); FileSystem fs = FileSystems.open(disk)) {
            inode = Extractor.resolve(fs, "/DATA.BIN");
        }
        // find the 32-byte entry by its 8.3 name and claim 1 GiB
        byte[] all = Files.readAllBytes(img);
        int at = -1;
        for (int i = 0; i + 11 <= all.length; i += 32) {
            if (new String(all, i, 11, StandardCharsets.US_ASCII).equals("DATA    BIN")) at = i;
        }
        assertThat(at).isPositive();
        try (RandomAccessFile raf = new RandomAccessFile(img.toFile(), "rw")) {
            raf.seek(at + 28);
            raf.write(new byte[]{0, 0, 0, 0x40});
        }
        try (BlockSource disk = RawImage.open(img); FileSystem fs = FileSystems.open(disk)) {
            ExtractedFile x = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> Extractor.extract(fs, inode, "/DATA.BIN", dir.resolve("ev")));
            assertThat(x.claimedSize()).isEqualTo(1L << 30);
            assertThat(x.size()).isLessThan(1 << 20).isGreaterThanOrEqualTo(data.length);
            assertThat(java.util.Arrays.copyOf(Files.readAllBytes(x.output()), data.length)).isEqualTo(data);
            assertThat(x.complete()).isFalse();
            assertThat(x.problems()).anyMatch(p -> p.contains("cluster chain covers only"));
        }
    }
}
