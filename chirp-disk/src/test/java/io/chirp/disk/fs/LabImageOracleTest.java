package io.chirp.disk.fs;

import io.chirp.disk.block.BlockSource;
import io.chirp.disk.block.DiskImages;
import io.chirp.lab.GuestImage;
import io.chirp.lab.GuestImageBuilder;
import io.chirp.lab.LabHome;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.OptionalInt;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/** The lab guest's base disk image: CHIRP's body file equals {@code fls -r -m}; extracted bytes equal icat and truth. */
class LabImageOracleTest {
    static GuestImage image;
    @TempDir Path evidence;

    @BeforeAll
    static void build() { image = new GuestImageBuilder(LabHome.fromEnvironment()).build(); }

    @Test
    void listingEqualsFlsLineForLine() {
        try (BlockSource disk = DiskImages.open(image.disk()); FileSystem fs = FileSystems.open(disk, OptionalInt.empty()).fs()) {
            assertThat(fs.label()).isEqualTo("chirplab");
            Listing l = FileWalker.walk(fs);
            assertThat(l.partial()).as("problems %s", l.problems()).isFalse();
            TreeSet<String> ours = SleuthKit.chirp(l), theirs = SleuthKit.fls(image.disk());
            assertThat(ours).as(SleuthKit.diff(ours, theirs)).isEqualTo(theirs);
            assertThat(ours).anyMatch(s -> s.startsWith("0|/data/link-to-hello -> hello.txt|"));
        }
    }

    @Test
    void extractionMatchesTruthAndIcat() throws Exception {
        try (BlockSource disk = DiskImages.open(image.disk()); FileSystem fs = FileSystems.open(disk)) {
            for (Map.Entry<String, String> f : image.diskFiles().entrySet()) {
                ExtractedFile x = Extractor.extractPath(fs, f.getKey(), evidence);
                assertThat(x.sha256()).as(f.getKey()).isEqualTo(f.getValue());
                assertThat(java.nio.file.Files.exists(x.output())).isTrue();
            }
            long random = Extractor.resolve(fs, "/data/random.bin");
            ExtractedFile x = Extractor.extract(fs, random, "", evidence);
            byte[] icat = SleuthKit.icat(image.disk(), random);
            assertThat(x.sha256()).isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(icat)));
            assertThat(evidence.toFile().list()).noneMatch(n -> n.endsWith(".partial"));
        }
    }
}
