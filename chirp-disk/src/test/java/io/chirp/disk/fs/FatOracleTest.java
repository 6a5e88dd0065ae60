package io.chirp.disk.fs;

import io.chirp.disk.HostTool;
import io.chirp.disk.block.RawImage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/** A FAT32 image made with mkfs.vfat and mtools: CHIRP's listing equals {@code fls} (TZ=UTC), bytes equal icat. */
class FatOracleTest {
    private static final Duration T = Duration.ofMinutes(2);
    @TempDir Path dir;

    @Test
    void fat32ListingAndContentMatchTheSleuthKit() throws Exception {
        Path img = dir.resolve("fat.img");
        HostTool.run(T, List.of("mkfs.vfat", "-F", "32", "-C", "-n", "CHIRPFAT", img.toString(), "65536"));
        Path src = dir.resolve("src");
        Files.createDirectories(src.resolve("Long Directory Name"));
        Files.writeString(src.resolve("Long Directory Name/a file with a long name.txt"), "fat content\n".repeat(1000));
        Files.writeString(src.resolve("SHORT.TXT"), "short");
        for (int i = 0; i < 40; i++) Files.writeString(src.resolve("Long Directory Name/n" + i + ".dat"), "n" + i);
        HostTool.run(T, List.of("mcopy", "-s", "-i", img.toString(), src.resolve("Long Directory Name").toString(), "::/"));
        HostTool.run(T, List.of("mcopy", "-i", img.toString(), src.resolve("SHORT.TXT").toString(), "::/"));
        try (RawImage disk = RawImage.open(img); FileSystem fs = FileSystems.open(disk)) {
            assertThat(fs.type()).isEqualTo("fat32");
            assertThat(fs.label()).isEqualTo("CHIRPFAT");
            Listing l = FileWalker.walk(fs);
            assertThat(l.partial()).as("%s", l.problems()).isFalse();
            TreeSet<String> ours = SleuthKit.chirp(l);
            TreeSet<String> theirs = new TreeSet<>();
            // TSK adds virtual files ($MBR, $FAT1, $FAT2, $OrphanFiles) and the volume label entry; CHIRP lists files
            for (String s : SleuthKit.fls(img, "-z", "UTC")) {
                if (!s.startsWith("0|/$") && !s.contains("(Volume Label Entry)")) theirs.add(s);
            }
            assertThat(ours).as(SleuthKit.diff(ours, theirs)).isEqualTo(theirs);
            long ino = Extractor.resolve(fs, "/Long Directory Name/a file with a long name.txt");
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            fs.copy(ino, b, Long.MAX_VALUE);
            assertThat(b.toString(StandardCharsets.UTF_8)).isEqualTo("fat content\n".repeat(1000));
            assertThat(b.toByteArray()).isEqualTo(SleuthKit.icat(img, ino));
        }
    }
}
