package io.chirp.paging;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.chirp.core.PhysAddr;
import io.chirp.core.UnmappedException;
import io.chirp.core.VirtAddr;
import io.chirp.lab.fuzz.FuzzCheck;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Coverage-guided fuzzing of the page walker over hostile page tables: the input is guest-physical memory (page
 * tables wherever the bytes say), the root table at 0, the paging mode picked by the first byte and the virtual
 * addresses taken from the last bytes plus a few fixed ones. Properties: a batched walk agrees with one walk per
 * address (the batch groups addresses per level, a bug there shows as a difference), every result is a Mapped page
 * of a size the mode allows or a Fault that names its level, and reads across the space either return every byte
 * or mark the holes. Seeds: tables built like {@link PageTables} does (4-level with 4 KiB, 2 MiB and 1 GiB pages,
 * self-referencing and cyclic entries, PAE, 32-bit).
 */
class PageWalkerFuzzTest {
    private static final PagingMode[] MODES = {PagingMode.X86_64, PagingMode.X86_64_LA57, PagingMode.PAE, PagingMode.X86_32};
    private static final long[] FIXED = {0, 0x1000, 0x7fff_ffff_f000L, 0xffff_8000_0000_0000L, 0xffff_ffff_8100_0000L,
            0xffff_ffff_ffff_f000L, 0x0000_8000_0000_0000L, 0xc000_0000L, 0xffff_f000L};

    @FuzzTest(maxDuration = "60s")
    void walk(byte[] data) {
        if (data.length < 1) return;
        PagingMode mode = MODES[(data[0] & 0xff) % MODES.length];
        long size = Math.max(4096, (data.length + 4095) & ~4095L);
        HeapMemory mem = new HeapMemory(size, (data[0] & 0x80) != 0);
        mem.put(0, java.util.Arrays.copyOfRange(data, 1, data.length));
        List<VirtAddr> vas = new ArrayList<>();
        for (long f : FIXED) vas.add(new VirtAddr(f));
        ByteBuffer tail = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        for (int at = data.length - 8; at >= Math.max(1, data.length - 64); at -= 8) vas.add(new VirtAddr(tail.getLong(at)));

        FuzzCheck.check("page walk " + mode.name(), data, () -> {
            AddressSpace uncached = AddressSpace.of(mem, mode, new PhysAddr(0), 0, Duration.ZERO);
            AddressSpace cached = AddressSpace.of(mem, mode, new PhysAddr(0), 64, Duration.ofMinutes(1));
            List<TranslationResult> batch = uncached.translateAll(vas);
            assertThat(batch).hasSize(vas.size());
            for (int i = 0; i < vas.size(); i++) {
                TranslationResult one = uncached.translate(vas.get(i));
                assertThat(batch.get(i)).as("batched walk of %s", vas.get(i)).isEqualTo(one);
                assertThat(cached.translate(vas.get(i))).as("cached walk of %s", vas.get(i)).isEqualTo(one);
                switch (one) {
                    case TranslationResult.Mapped m -> {
                        assertThat(m.pageSize()).isIn(4096L, 2L << 20, 4L << 20, 1L << 30);
                        assertThat(m.pa().value() & (m.pageSize() - 1)).isEqualTo(vas.get(i).value() & (m.pageSize() - 1));
                    }
                    case TranslationResult.Fault f -> assertThat(f.describe()).isNotBlank();
                }
                try {
                    uncached.readLong(vas.get(i));
                } catch (UnmappedException e) {
                    assertThat(e.getMessage()).isNotBlank();
                }
                MappedBytes mb = uncached.readMapped(vas.get(i), 3 * 4096);
                assertThat(mb.bytes()).hasSize(3 * 4096);
                long holes = mb.holes().stream().mapToLong(MappedBytes.Hole::length).sum();
                assertThat(holes).isBetween(0L, 3L * 4096);
                mb.holes().forEach(h -> assertThat(h.reason()).isNotBlank());
            }
        });
    }
}
