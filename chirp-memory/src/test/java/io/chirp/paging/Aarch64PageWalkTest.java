package io.chirp.paging;

import io.chirp.core.PhysAddr;
import io.chirp.core.VirtAddr;
import io.chirp.paging.ArmTables.Pack;
import io.chirp.paging.TranslationResult.Fault;
import io.chirp.paging.TranslationResult.Mapped;
import io.chirp.paging.TranslationResult.Reason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static io.chirp.paging.ArmTables.AP_RO;
import static io.chirp.paging.ArmTables.AP_TABLE_RO;
import static io.chirp.paging.ArmTables.AP_USER;
import static io.chirp.paging.ArmTables.DBM;
import static io.chirp.paging.ArmTables.NG;
import static io.chirp.paging.ArmTables.PXN;
import static io.chirp.paging.ArmTables.UXN;
import static io.chirp.paging.ArmTables.UXN_TABLE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** AArch64 translation for every granule and VA size, against tables built by hand, including hostile ones. */
class Aarch64PageWalkTest {
    private static final long MB = 1 << 20;
    private final HeapMemory mem = new HeapMemory(24 * MB, false);

    private static AddressSpace space(ArmTables t, PagingMode mode) {
        return AddressSpace.ofHalves(t.mem, mode, new PhysAddr(t.low), new PhysAddr(t.high));
    }

    private static Mapped mapped(TranslationResult r) {
        assertThat(r).isInstanceOf(Mapped.class);
        return (Mapped) r;
    }

    private static Fault fault(TranslationResult r) {
        assertThat(r).isInstanceOf(Fault.class);
        return (Fault) r;
    }

    /** Every granule and VA size: a kernel page through TTBR1, a user page through TTBR0, each only in its half. */
    @ParameterizedTest(name = "granule 2^{0}, {1}-bit VA, 52-bit PA {2}")
    @CsvSource({"12,48,false", "12,39,false", "12,52,true", "14,48,false", "14,47,false", "14,52,true",
            "16,48,false", "16,42,false", "16,52,true"})
    void pagesInBothHalves(int g, int vaBits, boolean pa52) {
        ArmTables t = new ArmTables(mem, MB, g, vaBits);
        PagingMode mode = PagingMode.aarch64(g, vaBits, pa52);
        assertThat(mode.levels()).extracting(PagingMode.Level::shift).containsExactly(box(t.shifts));
        assertThat(mode.levels()).extracting(PagingMode.Level::bits).containsExactly(box(t.bits));
        long page = 1L << g;
        long kva = -(1L << (vaBits - 1)) + 7 * page + 0x10;          // the bottom of the kernel half
        long uva = (1L << (vaBits - 1)) - 3 * page + 0x20;           // the top of the user half
        Pack p = !pa52 ? Pack.NONE : g == 16 ? Pack.LPA : Pack.LPA2;
        long kpa = pa52 ? 0x000f_0000_0000_0000L | (5 * page) : 5 * page;  // above 48 bits when the format allows
        t.map(kva, kpa, t.last(), PXN | UXN, 0, p);
        t.map(uva, 9 * page, t.last(), AP_USER | PXN | NG, 0, p);
        AddressSpace s = space(t, mode);

        Mapped k = mapped(s.translate(new VirtAddr(kva)));
        assertThat(k.pa()).isEqualTo(new PhysAddr(kpa | 0x10));
        assertThat(k.pageSize()).isEqualTo(page);
        assertThat(k.flags()).isEqualTo(new PageFlags(true, false, true, true));
        Mapped u = mapped(s.translate(new VirtAddr(uva)));
        assertThat(u.pa()).isEqualTo(new PhysAddr(9 * page | 0x20));
        assertThat(u.flags()).isEqualTo(new PageFlags(true, true, false, false)); // PXN does not stop user execution

        // the other half's table does not have them: the split is by the top bit, not a shared table
        long kvaAsUser = kva & ((1L << (vaBits - 1)) - 1);
        assertThat(fault(s.translate(new VirtAddr(kvaAsUser))).reason()).isEqualTo(Reason.NOT_PRESENT);
        assertThat(fault(s.translate(new VirtAddr(uva | -(1L << (vaBits - 1))))).reason())
                .isEqualTo(Reason.NOT_PRESENT);
        // above the VA size (not a sign extension): invalid, not walked
        if (vaBits < 52) {
            assertThat(fault(s.translate(new VirtAddr(1L << vaBits))).reason()).isEqualTo(Reason.INVALID_ADDRESS);
        }
        assertThat(s.translateAll(List.of(new VirtAddr(kva), new VirtAddr(uva)))).containsExactly(k, u);
        // each half is 2^vaBits: a user address with bit vaBits-1 set (a stack near 0x0000ffff_ffff_0000) is
        // valid and walked from TTBR0, and so is a kernel one with it clear
        if (vaBits < 52) {
            long highUser = (1L << vaBits) - 5 * page;
            t.map(highUser, 11 * page, t.last(), AP_USER | PXN | NG, 0, p);
            assertThat(mapped(space(t, mode).translate(new VirtAddr(highUser + 8))).pa())
                    .isEqualTo(new PhysAddr(11 * page + 8));
            long lowKernel = -(1L << vaBits) + 2 * page;
            t.map(lowKernel, 13 * page, t.last(), PXN, 0, p);
            assertThat(mapped(space(t, mode).translate(new VirtAddr(lowKernel))).pa()).isEqualTo(new PhysAddr(13 * page));
        }
    }

    /** Blocks where the granule allows them; a block where it does not, and a level-3 "block", are reserved. */
    @ParameterizedTest(name = "granule 2^{0}, {1}-bit VA, 52-bit PA {2}")
    @CsvSource({"12,48,false", "12,52,true", "14,48,false", "14,52,true", "16,48,false", "16,52,true"})
    void blocksAtTheLevelsThatAllowThem(int g, int vaBits, boolean pa52) {
        PagingMode mode = PagingMode.aarch64(g, vaBits, pa52);
        Pack p = !pa52 ? Pack.NONE : g == 16 ? Pack.LPA : Pack.LPA2;
        int levels = mode.levels().size();
        for (int d = 0; d < levels - 1; d++) {
            // tables of their own per level, so a block above cannot sit on the path of one below
            ArmTables t = new ArmTables(mem, MB * (1 + 3L * d), g, vaBits);
            long span = 1L << t.shifts[d];
            long va = -(1L << (vaBits - 1)) + span / 2 + 0x44;
            t.map(va, 3 * span, d, 0, 0, p);
            TranslationResult r = space(t, mode).translate(new VirtAddr(va));
            String level = mode.levels().get(d).name();
            boolean allowed = switch (g) {
                case 12 -> level.equals("L1") || level.equals("L2") || pa52 && level.equals("L0");
                default -> level.equals("L2") || pa52 && level.equals("L1");
            };
            if (allowed) {
                Mapped m = mapped(r);
                assertThat(m.pageSize()).as(level).isEqualTo(span);
                assertThat(m.pa().value()).as(level).isEqualTo(3 * span + span / 2 + 0x44);
            } else {
                assertThat(fault(r).reason()).as(level).isEqualTo(Reason.RESERVED_BIT);
            }
        }
        ArmTables t = new ArmTables(mem, MB * (1 + 3L * levels), g, vaBits);
        // a last-level descriptor with bit 1 clear is reserved, not a page
        long va = -(1L << (vaBits - 1)) + 0x10L * (1L << g);
        long leaf = t.map(va, 0, t.last(), 0, 0, p);
        mem.putLong(leaf, t.readLong(leaf) & ~2L);
        assertThat(fault(space(t, mode).translate(new VirtAddr(va))).reason()).isEqualTo(Reason.RESERVED_BIT);
    }

    @Test
    void permissionsCombineTableAndLeafBitsWithTheirPolarity() {
        ArmTables t = new ArmTables(mem, MB, 12, 48);
        long ro = 0x0000_2aaa_0000_0000L, dirty = ro + 0x1000, roTable = 0x0000_3bbb_0000_0000L;
        long noExecTable = 0x0000_4ccc_0000_0000L;
        t.map(ro, 0x1000, 3, AP_USER | AP_RO);
        t.map(dirty, 0x2000, 3, AP_USER | AP_RO | DBM);          // Linux's writable-clean page
        t.map(roTable, 0x3000, 3, AP_USER, AP_TABLE_RO, Pack.NONE);
        t.map(noExecTable, 0x4000, 3, AP_USER, UXN_TABLE, Pack.NONE);
        AddressSpace s = space(t, PagingMode.aarch64(12, 48, false));
        assertThat(mapped(s.translate(new VirtAddr(ro))).flags().writable()).isFalse();
        assertThat(mapped(s.translate(new VirtAddr(dirty))).flags().writable()).isTrue();
        assertThat(mapped(s.translate(new VirtAddr(roTable))).flags()).isEqualTo(new PageFlags(false, true, false, true));
        assertThat(mapped(s.translate(new VirtAddr(noExecTable))).flags().noExecute()).isTrue();
    }

    @Test
    void tcrPicksGranuleAndSizePerHalfAndTtbrDropsTheAsid() {
        long t0sz = 16, t1sz = 16;
        long tcr4k = t0sz | (t1sz << 16) | (2L << 30) | (5L << 32);              // TG0=4K, TG1=4K, IPS 48 bits
        assertThat(PagingMode.fromTcr(tcr4k, true)).isEqualTo(PagingMode.aarch64(12, 48, false));
        assertThat(PagingMode.fromTcr(tcr4k, false)).isEqualTo(PagingMode.aarch64(12, 48, false));
        long tcr64k = 12 | (12L << 16) | (1L << 14) | (3L << 30) | (6L << 32);   // 52-bit VA and PA, 64 KiB
        assertThat(PagingMode.fromTcr(tcr64k, true)).isEqualTo(PagingMode.aarch64(16, 52, true));
        long tcr16k = 17 | (17L << 16) | (2L << 14) | (1L << 30);                // 47-bit VA, 16 KiB
        assertThat(PagingMode.fromTcr(tcr16k, false)).isEqualTo(PagingMode.aarch64(14, 47, false));
        assertThatThrownBy(() -> PagingMode.fromTcr(16 | (16L << 16), true)).hasMessageContaining("reserved TG");

        PagingMode m = PagingMode.aarch64(12, 48, false);
        assertThat(m.rootFromTtbr(0x00a5_0000_4123_4001L)).isEqualTo(0x4123_4000L);         // ASID 0xa5, CnP
        PagingMode lpa = PagingMode.aarch64(16, 52, true);
        assertThat(lpa.rootFromTtbr(0x0000_0000_8000_0000L | (0x3L << 2))).isEqualTo(0x0003_0000_8000_0000L);
    }

    @Test
    void unsupportedGeometriesAreUsageErrors() {
        assertThatThrownBy(() -> PagingMode.aarch64(13, 48, false)).hasMessageContaining("granule");
        assertThatThrownBy(() -> PagingMode.aarch64(12, 52, false)).hasMessageContaining("VA size");
        assertThatThrownBy(() -> PagingMode.aarch64(12, 24, false)).hasMessageContaining("VA size");
    }

    /** A table that points at itself, or out of RAM, ends within the level count, for every granule. */
    @ParameterizedTest(name = "granule 2^{0}")
    @CsvSource({"12,48", "14,48", "16,52"})
    void hostileTablesEndBounded(int g, int vaBits) {
        ArmTables t = new ArmTables(mem, MB, g, vaBits);
        PagingMode mode = PagingMode.aarch64(g, vaBits, vaBits == 52);
        long va = -1L << (vaBits - 1);
        int entries = 1 << t.bits[0];
        // every root entry points back at the root: each level reads the same table, and at the last level the
        // table descriptor reads as a page (the self-map trick), so the walk ends after the level count
        for (int i = 0; i < entries; i++) mem.putLong(t.high + 8L * i, t.high | 3);
        Mapped loop = mapped(space(t, mode).translate(new VirtAddr(va)));
        assertThat(loop.pageBase()).isEqualTo(new PhysAddr(t.high));
        assertThat(mode.levels()).hasSize(t.shifts.length);
        // ...and once all pointing out of RAM
        for (int i = 0; i < entries; i++) mem.putLong(t.high + 8L * i, 0x0000_7000_0000_0000L | 3);
        Fault out = fault(space(t, mode).translate(new VirtAddr(va)));
        assertThat(out.reason()).isEqualTo(Reason.TABLE_OUTSIDE_MEMORY);
        assertThat(out.level()).isEqualTo(mode.levels().get(1).name());
        // a root out of RAM
        AddressSpace lost = AddressSpace.ofHalves(mem, mode, new PhysAddr(1L << 40), new PhysAddr(1L << 40));
        assertThat(fault(lost.translate(new VirtAddr(0x1000))).reason()).isEqualTo(Reason.TABLE_OUTSIDE_MEMORY);
    }

    /** Random bytes as tables: every walk ends, batched and single walks agree, mapped pages are page-aligned. */
    @ParameterizedTest(name = "granule 2^{0}")
    @CsvSource({"12,48,false", "12,52,true", "14,48,false", "16,48,false", "16,52,true"})
    void randomTablesAlwaysEndAndAgree(int g, int vaBits, boolean pa52) {
        HeapMemory noise = new HeapMemory(4 * MB, false);
        Random rnd = new Random(g * 1000L + vaBits);
        byte[] junk = new byte[(int) (4 * MB)];
        rnd.nextBytes(junk);
        // keep table pointers inside RAM often enough that walks go deep
        for (int i = 0; i < junk.length; i += 8) if (rnd.nextInt(3) == 0) junk[i + 3] = junk[i + 4] = junk[i + 5] = 0;
        noise.put(0, junk);
        PagingMode mode = PagingMode.aarch64(g, vaBits, pa52);
        AddressSpace s = AddressSpace.ofHalves(noise, mode, new PhysAddr(0), new PhysAddr(1L << g));
        List<VirtAddr> vas = new ArrayList<>();
        for (int i = 0; i < 2000; i++) vas.add(new VirtAddr(rnd.nextLong()));
        List<TranslationResult> batch = s.translateAll(vas);
        for (int i = 0; i < vas.size(); i++) {
            TranslationResult one = AddressSpace.ofHalves(noise, mode, new PhysAddr(0), new PhysAddr(1L << g))
                    .translate(vas.get(i));
            assertThat(batch.get(i)).isEqualTo(one);
            if (one instanceof Mapped m) {
                assertThat(m.pa().value() & (m.pageSize() - 1)).isEqualTo(vas.get(i).value() & (m.pageSize() - 1));
            }
        }
    }

    /** The architecture turns an AArch64 vCPU's TCR/TTBRs into this address space, and refuses an x86 one. */
    @Test
    void architectureBuildsTheKernelSpaceFromSystemRegisters() {
        ArmTables t = new ArmTables(mem, MB, 12, 48);
        long kva = 0xffff_8000_0810_0000L;
        t.map(kva, 0x7000, 3, PXN);
        long tcr = 16 | (16L << 16) | (2L << 30) | (5L << 32);
        var cpu = new io.chirp.core.Aarch64CpuState(0, java.util.Map.of("tcr_el1", tcr,
                "ttbr1_el1", t.high | (0x42L << 48), "ttbr0_el1", t.low, "pc", kva), "test");
        AddressSpace s = io.chirp.arch.Architecture.of(cpu).kernelSpace(mem, cpu);
        assertThat(s.mode()).isEqualTo(PagingMode.aarch64(12, 48, false));
        assertThat(s.physical(new VirtAddr(kva + 8))).isEqualTo(new PhysAddr(0x7008));
        assertThat(s.highRoot()).isEqualTo(new PhysAddr(t.high));
        var noTcr = new io.chirp.core.Aarch64CpuState(0, java.util.Map.of("pc", kva), "elf:NT_PRSTATUS");
        assertThatThrownBy(() -> io.chirp.arch.Aarch64.INSTANCE.kernelSpace(mem, noTcr)).hasMessageContaining("TCR_EL1");
    }

    private static Integer[] box(int[] a) {
        Integer[] out = new Integer[a.length];
        for (int i = 0; i < a.length; i++) out[i] = a[i];
        return out;
    }
}
