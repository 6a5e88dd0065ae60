package io.chirp.disk.robust;

import io.chirp.core.ChirpException;
import io.chirp.disk.HostTool;
import io.chirp.disk.block.MemoryImage;
import io.chirp.disk.block.RawImage;
import io.chirp.disk.fs.Extractor;
import io.chirp.disk.fs.FileSystem;
import io.chirp.disk.fs.FileSystems;
import io.chirp.disk.fs.FileWalker;
import io.chirp.disk.fs.Listing;
import io.chirp.disk.fs.ext4.Ext4FileSystem;
import io.chirp.disk.fs.ext4.Inode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/** Hand-made hostile images: each gives a clear error or a partial result marked as such, quickly. */
class HostileImageTest {
    private static final Duration T = Duration.ofSeconds(5);
    @TempDir Path dir;

    private static byte[] seed() throws Exception { return MutationFuzzTest.corpus("ext4-small.img.gz"); }

    @Test
    void truncatedImageGivesAPartialListing() throws Exception {
        byte[] whole = seed();
        byte[] cut = Arrays.copyOf(whole, 300 * 1024); // metadata survives, later data blocks do not
        Listing l = assertTimeoutPreemptively(T, () -> FileWalker.walk(FileSystems.open(new MemoryImage("cut", cut))));
        Listing full = FileWalker.walk(FileSystems.open(new MemoryImage("whole", whole)));
        assertThat(full.partial()).isFalse();
        if (l.records().size() == full.records().size()) {
            assertThat(l.partial()).isFalse(); // everything needed was before the cut
        } else {
            assertThat(l.partial()).isTrue();
            assertThat(l.problems()).allMatch(p -> p.contains("outside the disk"));
        }
        assertThatThrownBy(() -> FileSystems.open(new MemoryImage("tiny", Arrays.copyOf(whole, 1500))))
                .isInstanceOf(ChirpException.class);
    }

    @Test
    void directoryLoopIsReportedNotFollowed() throws Exception {
        Path img = dir.resolve("loop.img");
        Files.write(img, seed());
        // a second name for the root directory inside /d/sub: a cycle /d/sub/up -> / -> /d/sub ...
        HostTool.run(T, List.of("debugfs", "-w", "-R", "ln / /d/sub/up", img.toString()));
        try (RawImage disk = RawImage.open(img); FileSystem fs = FileSystems.open(disk)) {
            Listing l = assertTimeoutPreemptively(T, () -> FileWalker.walk(fs));
            assertThat(l.partial()).isTrue();
            assertThat(l.problems()).anyMatch(p -> p.startsWith("/d/sub/up: directory inode 2 already listed"));
            assertThat(l.records()).anyMatch(r -> r.path().equals("/d/a.txt"));
        }
    }

    @Test
    void extentTreeLoopIsCorruptNotAHang() throws Exception {
        byte[] b = seed();
        long inode;
        long leaf;
        try (Ext4FileSystem fs = Ext4FileSystem.open(new MemoryImage("seed", b))) {
            inode = Extractor.resolve(fs, "/sparse.bin");
            Inode i = fs.inode(inode);
            assertThat(i.iBlock()[6]).as("sparse.bin has an extent tree of depth 1").isEqualTo((byte) 1);
            leaf = (i.iBlock()[16] & 0xffL) | (i.iBlock()[17] & 0xffL) << 8 | (i.iBlock()[18] & 0xffL) << 16;
        }
        int bs = 1024;
        // make the root claim depth 2 and the leaf an index node (depth 1) whose first entry points at itself
        int leafOff = (int) (leaf * bs);
        b[leafOff + 6] = 1;
        b[leafOff + 2] = 1;
        b[leafOff + 12 + 4] = (byte) leaf;
        b[leafOff + 12 + 5] = (byte) (leaf >> 8);
        b[leafOff + 12 + 6] = (byte) (leaf >> 16);
        b[leafOff + 12 + 7] = 0;
        b[leafOff + 12 + 8] = 0;
        b[leafOff + 12 + 9] = 0;
        patchRootDepth(b, inode, 2);
        try (Ext4FileSystem fs = Ext4FileSystem.open(new MemoryImage("loop", b))) {
            assertThatThrownBy(() -> assertTimeoutPreemptively(T, () -> fs.copy(inode, OutputStream.nullOutputStream(), Long.MAX_VALUE)))
                    .isInstanceOf(ChirpException.class).hasMessageContaining("loops through block " + leaf);
            Listing l = FileWalker.walk(fs);
            assertThat(l.records()).anyMatch(r -> r.path().equals("/sparse.bin")); // listing still works
        }
    }

    @Test
    void oversizedCountsAreRefused() throws Exception {
        byte[] b = seed();
        b[1024] = b[1025] = b[1026] = b[1027] = (byte) 0xff; // s_inodes_count = 2^32-1
        assertThatThrownBy(() -> FileSystems.open(new MemoryImage("inodes", b))).isInstanceOf(ChirpException.class)
                .hasMessageContaining("inode count");
        byte[] c = seed();
        c[1024 + 24] = 30; // s_log_block_size
        assertThatThrownBy(() -> FileSystems.open(new MemoryImage("bs", c))).isInstanceOf(ChirpException.class)
                .hasMessageContaining("block size");
    }

    /** Finds the inode's record through the file system and sets eh_depth of its extent root. */
    private static void patchRootDepth(byte[] img, long inode, int depth) {
        try (Ext4FileSystem fs = Ext4FileSystem.open(new MemoryImage("find", img))) {
            byte[] want = fs.inode(inode).iBlock();
            for (int off = 0; off + 60 <= img.length; off += 4) {
                if (Arrays.equals(img, off, off + 60, want, 0, 60) && (img[off - 40 + 1] & 0xf0) == 0x80) {
                    img[off + 6] = (byte) depth;
                    return;
                }
            }
        }
        throw new AssertionError("inode record not found");
    }
}
