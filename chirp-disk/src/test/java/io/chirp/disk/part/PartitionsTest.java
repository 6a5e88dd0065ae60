package io.chirp.disk.part;

import io.chirp.disk.HostTool;
import io.chirp.disk.block.RawImage;
import io.chirp.disk.fs.FileSystems;
import io.chirp.disk.fs.FileWalker;
import io.chirp.disk.fs.Listing;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;

import static org.assertj.core.api.Assertions.assertThat;

/** MBR (with a logical partition) and GPT disks made by sfdisk, with ext4 inside; oracle: sfdisk's own table and fls -o. */
class PartitionsTest {
    private static final Duration T = Duration.ofMinutes(2);
    @TempDir Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"dos", "gpt"})
    void findsPartitionsAndTheFileSystemInside(String label) throws Exception {
        Path img = dir.resolve("disk-" + label + ".img");
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            f.setLength(64L << 20);
        }
        String script = label.equals("dos")
                ? "label: dos\nstart=2048, size=20480, type=83\nstart=24576, type=5\nstart=26624, size=30000, type=83\n"
                : "label: gpt\nstart=2048, size=20480, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name=\"data\"\nstart=24576, size=30000\n";
        Path s = dir.resolve("script");
        Files.writeString(s, script);
        HostTool.run(T, List.of("sh", "-c", "sfdisk -q " + img + " < " + s));
        Path root = Files.createDirectories(dir.resolve("root"));
        Files.writeString(root.resolve("inside.txt"), "in a partition");
        Path fsImg = dir.resolve("fs.img");
        HostTool.run(T, List.of("mkfs.ext4", "-q", "-F", "-d", root.toString(), fsImg.toString(), "10M"));
        HostTool.run(T, List.of("dd", "if=" + fsImg, "of=" + img, "bs=512", "seek=2048", "conv=notrunc", "status=none"));
        try (RawImage disk = RawImage.open(img)) {
            List<Partition> parts = Partitions.read(disk);
            if (label.equals("dos")) {
                assertThat(parts).extracting(Partition::index).containsExactly(1, 5);
                assertThat(parts.get(1).start()).isEqualTo(26624L * 512); // logical: EBR at the extended start + its offset
            } else {
                assertThat(parts).extracting(Partition::index).containsExactly(1, 2);
                assertThat(parts.getFirst().name()).isEqualTo("data");
                assertThat(parts.getFirst().type()).isEqualTo("0FC63DAF-8483-4772-8E79-3D69D8477DE4");
            }
            assertThat(parts.getFirst().start()).isEqualTo(2048L * 512);
            assertThat(parts.getFirst().length()).isEqualTo(20480L * 512);
            FileSystems.Volume v = FileSystems.open(disk, OptionalInt.empty());
            assertThat(v.partition()).contains(parts.getFirst());
            Listing l = FileWalker.walk(v.fs());
            String fls = HostTool.text(T, "fls", "-r", "-m", "/", "-o", "2048", img.toString());
            assertThat(l.records()).anyMatch(r -> r.path().equals("/inside.txt"));
            assertThat(fls).contains("0|/inside.txt|" + l.records().stream().filter(r -> r.path().equals("/inside.txt")).findFirst().orElseThrow().entry().inode() + "|");
        }
    }
}
