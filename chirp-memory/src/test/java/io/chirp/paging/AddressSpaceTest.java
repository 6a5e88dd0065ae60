package io.chirp.paging;

import io.chirp.core.PhysAddr;
import io.chirp.core.UnmappedException;
import io.chirp.core.VirtAddr;
import io.chirp.paging.TranslationResult.Mapped;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static io.chirp.paging.PageTables.P;
import static io.chirp.paging.PageTables.RW;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Reads, batched translation and the cache of {@link AddressSpace}, over synthetic tables. */
class AddressSpaceTest {
    private static final long MB = 1 << 20;
    private static final long BASE = 0xffff_c900_0000_0000L;

    private static byte[] fill(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) b[i] = (byte) (seed + i * 7);
        return b;
    }

    /** BASE -> page A, BASE+4K -> page B (physically before A), BASE+8K unmapped, BASE+12K -> unbacked PA. */
    private static PageTables layout(HeapMemory mem) {
        PageTables t = PageTables.x64(mem, MB);
        t.map(BASE, 0x30_0000, t.last(), P | RW);
        t.map(BASE + 0x1000, 0x20_0000, t.last(), P | RW);
        t.map(BASE + 0x3000, 0x7f0_0000, t.last(), P); // inside the 127 MiB..: beyond the 16 MiB of RAM
        mem.put(0x30_0000, fill(4096, 1));
        mem.put(0x20_0000, fill(4096, 2));
        return t;
    }

    @ParameterizedTest(name = "zero-copy views: {0}")
    @ValueSource(booleans = {false, true})
    void readCrossesPagesAndStopsAtTheFirstHole(boolean viewable) {
        HeapMemory mem = new HeapMemory(16 * MB, viewable);
        AddressSpace s = AddressSpace.of(mem, PagingMode.X86_64, new PhysAddr(layout(mem).root));
        byte[] got = s.read(new VirtAddr(BASE + 0xff0), 0x20);
        byte[] want = new byte[0x20];
        System.arraycopy(fill(4096, 1), 0xff0, want, 0, 0x10);
        System.arraycopy(fill(4096, 2), 0, want, 0x10, 0x10);
        assertThat(got).isEqualTo(want);
        assertThat(s.readLong(new VirtAddr(BASE + 0xffc))).isEqualTo(
                java.nio.ByteBuffer.wrap(want, 0xc, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong());
        assertThatThrownBy(() -> s.read(new VirtAddr(BASE + 0x1ff0), 0x20))
                .isInstanceOfSatisfying(UnmappedException.class, e -> {
                    assertThat(e.isVirtual()).isTrue();
                    assertThat(e.address()).isEqualTo(BASE + 0x2000);
                });
        assertThatThrownBy(() -> s.read(new VirtAddr(BASE + 0x3000), 8))
                .isInstanceOfSatisfying(UnmappedException.class, e -> {
                    assertThat(e.isVirtual()).isTrue();
                    assertThat(e).hasMessageContaining("no memory backs");
                });
    }

    @Test
    void readMappedZeroFillsAndReportsHoles() {
        HeapMemory mem = new HeapMemory(16 * MB, false);
        AddressSpace s = AddressSpace.of(mem, PagingMode.X86_64, new PhysAddr(layout(mem).root));
        MappedBytes r = s.readMapped(new VirtAddr(BASE + 0x800), 0x3800); // up to BASE+0x4000
        assertThat(r.holes()).hasSize(1); // the unmapped page and the unbacked page are adjacent: merged
        assertThat(r.holes().getFirst().start()).isEqualTo(new VirtAddr(BASE + 0x2000));
        assertThat(r.holes().getFirst().length()).isEqualTo(0x2000);
        assertThat(r.holes().getFirst().reason()).contains("PT entry");
        assertThat(r.missing()).isEqualTo(0x2000);
        assertThat(Arrays.copyOfRange(r.bytes(), 0, 0x800)).isEqualTo(Arrays.copyOfRange(fill(4096, 1), 0x800, 0x1000));
        assertThat(Arrays.copyOfRange(r.bytes(), 0x1800, 0x3800)).containsOnly((byte) 0);
        assertThat(s.readMapped(new VirtAddr(BASE), 0x2000).complete()).isTrue();
        assertThatThrownBy(() -> s.read(new VirtAddr(BASE), -1)).hasMessageContaining("read length");
        assertThatThrownBy(() -> s.readMapped(new VirtAddr(-16), 32)).hasMessageContaining("wraps");
        assertThatThrownBy(() -> s.readLong(new VirtAddr(BASE + 0x3008)))
                .isInstanceOfSatisfying(UnmappedException.class, e -> assertThat(e.isVirtual()).isTrue());
    }

    @ParameterizedTest(name = "zero-copy views: {0}")
    @ValueSource(booleans = {false, true})
    void batchedTranslationAgreesAndReadsEachTablePageOncePerLevel(boolean viewable) {
        HeapMemory mem = new HeapMemory(16 * MB, viewable);
        PageTables t = PageTables.x64(mem, MB);
        List<VirtAddr> vas = new ArrayList<>();
        for (int i = 0; i < 512; i++) {
            if (i % 3 != 0) t.map(BASE + i * 4096L, 0x40_0000 + i * 4096L, t.last(), P | RW);
            vas.add(new VirtAddr(BASE + i * 4096L + i));
        }
        vas.add(new VirtAddr(0x8000_0000_0000L)); // non-canonical
        vas.add(new VirtAddr(0x1000));            // PML4 entry absent
        AddressSpace single = AddressSpace.of(mem, PagingMode.X86_64, new PhysAddr(t.root), 0, Duration.ZERO);
        List<TranslationResult> one = vas.stream().map(single::translate).toList();
        mem.reads.set(0);
        AddressSpace batch = AddressSpace.of(mem, PagingMode.X86_64, new PhysAddr(t.root), 0, Duration.ZERO);
        List<TranslationResult> all = batch.translateAll(vas);
        assertThat(all).isEqualTo(one);
        assertThat(all.stream().filter(Mapped.class::isInstance).count()).isEqualTo(512 - 171);
        assertThat(mem.reads.get()).isLessThanOrEqualTo(4); // PML4, PDPT, PD, PT page: one read each
    }

    @Test
    void cacheIsScopedByEpochAndTimeToLive() {
        HeapMemory mem = new HeapMemory(16 * MB, false);
        PageTables t = PageTables.x64(mem, MB);
        long leaf = t.map(BASE, 0x30_0000, t.last(), P | RW);
        AtomicLong now = new AtomicLong(1_000);
        AddressSpace s = AddressSpace.withClock(mem, PagingMode.X86_64, new PhysAddr(t.root), Duration.ofNanos(100), now::get);
        VirtAddr va = new VirtAddr(BASE + 0x10);
        assertThat(s.physical(va).value()).isEqualTo(0x30_0010);
        mem.putLong(leaf, 0x50_0000 | P);          // the guest remaps the page
        long reads = mem.reads.get();
        assertThat(s.physical(va).value()).isEqualTo(0x30_0010); // within TTL and epoch: cached
        assertThat(mem.reads.get()).isEqualTo(reads);
        now.addAndGet(100);                          // TTL over
        assertThat(s.physical(va).value()).isEqualTo(0x50_0010);
        mem.putLong(leaf, 0x60_0000 | P);
        long epoch = s.epoch();
        s.invalidate();
        assertThat(s.epoch()).isEqualTo(epoch + 1);
        assertThat(s.physical(va).value()).isEqualTo(0x60_0010); // new epoch: walked again
        mem.putLong(leaf, 0);                        // unmapped
        s.invalidate();
        assertThat(s.translate(va)).isInstanceOf(TranslationResult.Fault.class);
        mem.putLong(leaf, 0x70_0000 | P);            // faults are not cached: the new mapping shows at once
        assertThat(s.physical(va).value()).isEqualTo(0x70_0010);
    }

    @Test
    void cachedLargePagesKeepTheirOffsets() {
        HeapMemory mem = new HeapMemory(16 * MB, false);
        PageTables t = PageTables.x64(mem, MB);
        t.map(BASE, 0x20_0000, 2, P | RW);
        AddressSpace s = AddressSpace.of(mem, PagingMode.X86_64, new PhysAddr(t.root));
        for (long off : new long[] {0, 0x12_3456, 0x12_3000, 0x1f_ffff, 0x12_3457}) {
            Mapped m = (Mapped) s.translate(new VirtAddr(BASE + off));
            assertThat(m.pa().value()).isEqualTo(0x20_0000 + off);
            assertThat(m.pageSize()).isEqualTo(2 * MB);
        }
    }
}
