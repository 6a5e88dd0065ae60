package io.chirp.disk.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.chirp.core.ChirpException;
import io.chirp.disk.block.BlockSource;
import io.chirp.disk.block.MemoryImage;
import io.chirp.disk.block.Qcow2Image;
import io.chirp.disk.fs.FileLayout;
import io.chirp.disk.fs.FileRecord;
import io.chirp.disk.fs.FileSystem;
import io.chirp.disk.fs.FileSystems;
import io.chirp.disk.fs.FileType;
import io.chirp.disk.fs.FileWalker;
import io.chirp.disk.fs.Listing;
import io.chirp.disk.part.Partition;
import io.chirp.disk.part.Partitions;
import io.chirp.lab.fuzz.FuzzCheck;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Coverage-guided fuzz targets for the disk parsers: qcow2, MBR/GPT, ext4 and FAT. Seeds (in
 * src/test/resources/io/chirp/disk/fuzz/DiskFuzzTestInputs/&lt;target&gt;/, made by {@code make-seeds.sh} there with
 * mkfs.ext4, mkfs.vfat and mtools, sfdisk, qemu-img and qemu-io) are small real images; ext4 and FAT seeds are cut
 * after their last non-zero block and padded back with zeros here, so the fuzzer spends its mutations on metadata.
 * {@code MutationFuzzTest} is the older seeded mutation fuzzer over the larger corpus images.
 * <p>
 * Properties beyond {@link FuzzCheck}'s: every partition lies inside the disk; every file's layout lies inside its
 * volume, in order, and inside the size it claims; a copy never writes more than its limit or more than the layout
 * maps; a listing with skips says so.
 */
class DiskFuzzTest {
    /** ext4 and FAT inputs are zero-padded to this (the seeds' file systems are this size or smaller). */
    static final int VOLUME = 256 * 1024;
    /** Bytes copied per file at most: enough for every seed file, small enough for many executions. */
    static final long COPY_LIMIT = 64 * 1024;

    private static Path qcow2File;

    /** A qcow2 image (read from a file, as CHIRP always does): refused, or reads its first clusters. */
    @FuzzTest(maxDuration = "60s")
    void qcow2(byte[] data) throws IOException {
        Path f = qcow2File();
        Files.write(f, data);
        FuzzCheck.check("qcow2", data, () -> {
            try (Qcow2Image q = Qcow2Image.open(f)) {
                assertThat(q.size()).isNotNegative();
                int n = (int) Math.min(q.size(), 64 * 1024);
                byte[] buf = new byte[n];
                q.read(0, buf, 0, n);
                long tail = Math.max(0, q.size() - 512); // the last clusters: far L1/L2 entries
                int len = (int) (q.size() - tail);
                q.read(tail, new byte[len], 0, len);
            }
        });
    }

    /** A partition table (MBR with extended/logical partitions, or GPT): every partition inside the disk. */
    @FuzzTest(maxDuration = "60s")
    void partitions(byte[] data) {
        FuzzCheck.check("partitions", data, () -> {
            MemoryImage disk = new MemoryImage("fuzz", data);
            List<Partition> parts = Partitions.read(disk);
            for (Partition p : parts) {
                // a partition at LBA 0 (over its own table) is odd but real tools list it too
                assertThat(p.start()).as("partition %d start", p.index()).isNotNegative();
                assertThat(p.length()).as("partition %d length", p.index()).isPositive();
                assertThat(p.start() + p.length()).as("partition %d end", p.index()).isLessThanOrEqualTo(disk.size());
            }
            assertThat(parts).extracting(Partition::index).doesNotHaveDuplicates();
        });
    }

    /** An ext4 volume: listed, every regular file's layout checked and its bytes copied. */
    @FuzzTest(maxDuration = "60s")
    void ext4(byte[] data) {
        FuzzCheck.check("ext4", data, () -> exercise(volume(data)));
    }

    /** A FAT32 volume: listed, every regular file's layout checked and its bytes copied. */
    @FuzzTest(maxDuration = "60s")
    void fat(byte[] data) {
        FuzzCheck.check("fat", data, () -> exercise(volume(data)));
    }

    /** The seeds reach deep code: each lists its whole tree with no skips (else the fuzzer starts from a refusal). */
    @Test
    void seedsListTheirWholeTree() throws IOException {
        for (String fsName : List.of("ext4", "fat")) {
            byte[] seed = seed(fsName + "/seed-tree");
            try (FileSystem fs = FileSystems.open(volume(seed))) {
                Listing l = FileWalker.walk(fs);
                assertThat(l.problems()).as(fsName).isEmpty();
                assertThat(l.records()).extracting(FileRecord::path).as(fsName)
                        .anySatisfy(p -> assertThat(p).endsWithIgnoringCase("/home/alice/notes.txt"))
                        .anySatisfy(p -> assertThat(p).isEqualTo("/home/alice/Long File Name With Spaces.txt"));
                FileRecord notes = l.records().stream().filter(r -> r.path().equalsIgnoreCase("/home/alice/notes.txt")).findFirst().orElseThrow();
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                fs.copy(notes.entry().inode(), out, COPY_LIMIT);
                assertThat(out.toString()).startsWith("hello world 1\n").endsWith("hello world 100\n");
            }
        }
        assertThat(Partitions.read(new MemoryImage("gpt", seed("partitions/seed-gpt")))).hasSize(2);
        assertThat(Partitions.read(new MemoryImage("dos", seed("partitions/seed-dos")))).hasSizeGreaterThanOrEqualTo(3);
    }

    /** A GPT entry whose LBAs wrap when multiplied by 512 (2^55 + 1 sectors is byte 512) is skipped, not read at 512. */
    @Test
    void gptLbasThatWouldWrapAreSkipped() throws IOException {
        byte[] d = seed("partitions/seed-gpt");
        ByteBuffer b = ByteBuffer.wrap(d).order(ByteOrder.LITTLE_ENDIAN);
        int entries = (int) b.getLong(512 + 72) * 512, count = b.getInt(512 + 80), size = b.getInt(512 + 84);
        b.putLong(entries + 32, (1L << 55) + 1).putLong(entries + 40, (1L << 55) + 40);
        CRC32 crc = new CRC32();
        crc.update(d, entries, count * size);
        b.putInt(512 + 88, (int) crc.getValue());
        b.putInt(512 + 16, 0);
        crc.reset();
        crc.update(d, 512, b.getInt(512 + 12));
        b.putInt(512 + 16, (int) crc.getValue());
        List<Partition> parts = Partitions.read(new MemoryImage("wrap", d));
        assertThat(parts).extracting(Partition::index).containsExactly(2);
    }

    private static void exercise(BlockSource volume) {
        try (FileSystem fs = FileSystems.open(volume)) {
            Listing l = FileWalker.walk(fs);
            assertThat(l.partial()).isEqualTo(!l.problems().isEmpty());
            l.problems().forEach(p -> assertThat(p).as("a skip says why").isNotBlank());
            for (FileRecord r : l.records()) {
                if (r.meta().isEmpty() || r.meta().get().type() != FileType.REGULAR) continue;
                long inode = r.entry().inode();
                FileLayout layout;
                try {
                    layout = fs.layout(inode);
                } catch (ChirpException damaged) {
                    continue; // damage found mapping one file: fine, the walk went on
                }
                long at = 0;
                for (FileLayout.Range g : layout.ranges()) {
                    assertThat(g.offset()).as("%s: ranges in file order", r.path()).isGreaterThanOrEqualTo(at);
                    assertThat(g.length()).isPositive();
                    assertThat(g.end()).as("%s: inside the size it claims", r.path()).isLessThanOrEqualTo(layout.size());
                    if (!g.zero()) {
                        assertThat(g.diskOffset()).isNotNegative();
                        assertThat(g.diskOffset() + g.length()).as("%s: inside the volume", r.path()).isLessThanOrEqualTo(volume.size());
                    }
                    at = g.end();
                }
                CountingOut out = new CountingOut();
                try {
                    long n = fs.copy(inode, out, COPY_LIMIT);
                    assertThat(n).isEqualTo(out.count).isLessThanOrEqualTo(COPY_LIMIT).isLessThanOrEqualTo(Math.max(layout.size(), 0));
                } catch (ChirpException damaged) {
                    assertThat(out.count).isLessThanOrEqualTo(COPY_LIMIT);
                }
            }
        }
    }

    static MemoryImage volume(byte[] data) {
        return new MemoryImage("fuzz", data.length >= VOLUME ? data : Arrays.copyOf(data, VOLUME));
    }

    private static byte[] seed(String name) throws IOException {
        try (var in = DiskFuzzTest.class.getResourceAsStream("DiskFuzzTestInputs/" + name)) {
            assertThat(in).as(name).isNotNull();
            return in.readAllBytes();
        }
    }

    private static synchronized Path qcow2File() {
        if (qcow2File == null) {
            try {
                Path d = Files.createTempDirectory("chirp-qcow2-fuzz-");
                d.toFile().deleteOnExit();
                qcow2File = d.resolve("fuzz.qcow2");
                qcow2File.toFile().deleteOnExit();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return qcow2File;
    }

    private static final class CountingOut extends java.io.OutputStream {
        long count;
        @Override public void write(int b) { count++; }
        @Override public void write(byte[] b, int off, int len) { count += len; }
    }
}
