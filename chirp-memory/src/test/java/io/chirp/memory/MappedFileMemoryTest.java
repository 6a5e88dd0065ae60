package io.chirp.memory;

import io.chirp.core.ChirpException;
import io.chirp.core.MemoryRange;
import io.chirp.core.PhysicalMemory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The two hazards of a mapped file: holes (sparse files) and a file that shrinks under its mapping. */
class MappedFileMemoryTest {
    private static final long GIB = 1L << 30;

    /** A sparse file of {@code size} bytes with {@code data} written at each offset in {@code at}. */
    private static Path sparse(Path dir, long size, byte[] data, long... at) throws Exception {
        Path f = dir.resolve("ram.raw");
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.setLength(size);
            for (long a : at) {
                raf.seek(a);
                raf.write(data);
            }
        }
        return f;
    }

    @Test
    void aSparseImageSaysWhereItsDataIs(@TempDir Path dir) throws Exception {
        Path f = sparse(dir, 64 * GIB, TestImages.pattern(8192, 1), 40 * GIB, 40 * GIB + (1 << 20));
        assertThat(Files.size(f)).isEqualTo(64 * GIB);
        try (MemoryImage img = MemoryImages.open(f)) {
            List<MemoryRange> data = img.memory().populated();
            assertThat(data).as("file system with SEEK_DATA (ext4, tmpfs, xfs, btrfs)").hasSize(2);
            assertThat(data.get(0).start()).isLessThanOrEqualTo(40 * GIB);
            assertThat(data.get(0).end()).isGreaterThanOrEqualTo(40 * GIB + 8192).isLessThan(40 * GIB + (1 << 20));
            assertThat(data.get(1).start()).isLessThanOrEqualTo(40 * GIB + (1 << 20));
            long total = data.stream().mapToLong(MemoryRange::size).sum();
            assertThat(total).isLessThan(4 << 20);
            assertThat(img.memory().readBytes(40 * GIB + (1 << 20), 8192)).isEqualTo(TestImages.pattern(8192, 1));
            assertThat(img.memory().readLong(10 * GIB)).isZero(); // a hole still reads, as zeros
        }
    }

    @Test
    void aFileTooFragmentedToListCountsItsRestAsData(@TempDir Path dir) throws Exception {
        long[] at = new long[10];
        for (int i = 0; i < at.length; i++) at[i] = (i + 1L) << 20;
        Path f = sparse(dir, 64L << 20, TestImages.pattern(4096, 2), at);
        List<long[]> all = FileExtents.data(f, 64L << 20, 100);
        assertThat(all).hasSize(10);
        List<long[]> capped = FileExtents.data(f, 64L << 20, 4);
        assertThat(capped).hasSize(4);
        assertThat(capped.get(2)).containsExactly(all.get(2));
        assertThat(capped.get(3)).containsExactly(all.get(3)[0], 64L << 20); // a superset: nothing with data is lost
    }

    @Test
    void anImageOfNothingButHolesHasNoData(@TempDir Path dir) throws Exception {
        Path f = sparse(dir, 64 * GIB, new byte[0]);
        try (MemoryImage img = MemoryImages.open(f)) {
            assertThat(img.memory().ranges()).hasSize(1);
            assertThat(img.memory().populated()).isEmpty();
        }
    }

    @Test
    @Timeout(30)
    void aFileTruncatedUnderTheMappingIsAClearErrorNotACrash(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("ram");
        Files.write(f, TestImages.pattern(4 << 20, 3));
        RamLayout layout = RamLayout.identity(4 << 20);
        try (PhysicalMemory m = MemoryImages.openRam(f, layout, true)) {
            assertThat(m.readLong(2 << 20)).isEqualTo(MemorySegment.ofArray(TestImages.pattern(4 << 20, 3))
                    .get(PhysicalMemory.LONG, 2 << 20));
            try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
                ch.truncate(1 << 20); // the VM was stopped and its RAM file cut back
            }
            assertThatThrownBy(() -> m.readLong(2 << 20)).isInstanceOfSatisfying(ChirpException.class, e -> {
                assertThat(e.kind()).isEqualTo(ChirpException.Kind.IO);
                assertThat(e).hasMessageContaining("shrank from 4194304 to 1048576 bytes")
                        .hasMessageContaining("the VM was stopped or resized");
            });
            assertThatThrownBy(() -> m.readBytes(3 << 20, 4096)).isInstanceOf(ChirpException.class)
                    .hasMessageContaining("shrank");
            // a caller reading a zero-copy view asks the memory what the fault means
            MemorySegment view = m.view(2 << 20, 4096);
            assertThatThrownBy(() -> view.get(PhysicalMemory.LONG, 0))
                    .satisfies(t -> assertThat(PhysicalMemory.isAccessFault(t)).isTrue())
                    .satisfies(t -> assertThat(m.accessFault(t)).hasMessageContaining("shrank"));
            // page-table walks read table pages as views too: batched translation says the same
            io.chirp.paging.AddressSpace as = io.chirp.paging.AddressSpace.of(m, io.chirp.paging.PagingMode.X86_64,
                    new io.chirp.core.PhysAddr(2 << 20));
            assertThatThrownBy(() -> as.translateAll(List.of(new io.chirp.core.VirtAddr(0xffff888000000000L),
                    new io.chirp.core.VirtAddr(0xffffffff81000000L))))
                    .isInstanceOf(ChirpException.class).hasMessageContaining("shrank");
            // what is still in the file still reads
            assertThat(m.readBytes(0, 16)).isEqualTo(java.util.Arrays.copyOf(TestImages.pattern(4 << 20, 3), 16));
        }
    }
}
