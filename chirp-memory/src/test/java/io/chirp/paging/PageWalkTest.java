package io.chirp.paging;

import io.chirp.core.PhysAddr;
import io.chirp.core.VirtAddr;
import io.chirp.paging.TranslationResult.Fault;
import io.chirp.paging.TranslationResult.Mapped;
import io.chirp.paging.TranslationResult.Reason;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.OptionalLong;

import static io.chirp.paging.PageTables.G;
import static io.chirp.paging.PageTables.NX;
import static io.chirp.paging.PageTables.P;
import static io.chirp.paging.PageTables.PS;
import static io.chirp.paging.PageTables.RW;
import static io.chirp.paging.PageTables.US;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Each paging mode against tables built by hand, including hostile ones. */
class PageWalkTest {
    private static final long MB = 1 << 20;
    private final HeapMemory mem = new HeapMemory(16 * MB, false);

    private static AddressSpace space(PageTables t, PagingMode mode) {
        return AddressSpace.of(t.mem, mode, new PhysAddr(t.root), 0, Duration.ZERO); // uncached: see every change
    }

    private static Mapped mapped(TranslationResult r) {
        assertThat(r).isInstanceOf(Mapped.class);
        return (Mapped) r;
    }

    private static Fault fault(TranslationResult r) {
        assertThat(r).isInstanceOf(Fault.class);
        return (Fault) r;
    }

    @Test
    void x64FourKilobytePageWithCombinedFlags() {
        PageTables t = PageTables.x64(mem, MB);
        long va = 0xffff_ffff_8100_0000L;
        t.map(va, 0x20_0000, t.last(), P | RW | G);
        Mapped m = mapped(space(t, PagingMode.X86_64).translate(new VirtAddr(va + 0x123)));
        assertThat(m.pa()).isEqualTo(new PhysAddr(0x20_0123));
        assertThat(m.pageSize()).isEqualTo(4096);
        assertThat(m.flags()).isEqualTo(new PageFlags(true, false, false, true));
        assertThat(m.pageBase()).isEqualTo(new PhysAddr(0x20_0000));
    }

    @Test
    void x64LargePagesAndNx() {
        PageTables t = PageTables.x64(mem, MB);
        long va2m = 0xffff_8880_0060_0000L;
        t.map(va2m, 0x40_0000, 2, P | NX);                  // 2 MiB, read-only, no-execute
        long va1g = 0x0000_7f00_4000_0000L;
        t.map(va1g, 0x1_4000_0000L | 0x1000 /* PAT bit */, 1, P | RW | US);  // 1 GiB, user
        AddressSpace s = space(t, PagingMode.X86_64);
        Mapped m2 = mapped(s.translate(new VirtAddr(va2m + 0x1f_fff0)));
        assertThat(m2.pa().value()).isEqualTo(0x40_0000 + 0x1f_fff0);
        assertThat(m2.pageSize()).isEqualTo(2 * MB);
        assertThat(m2.flags().noExecute()).isTrue();
        assertThat(m2.flags().writable()).isFalse();
        Mapped m1 = mapped(s.translate(new VirtAddr(va1g + 0x3fff_ffffL)));
        assertThat(m1.pa().value()).isEqualTo(0x1_4000_0000L + 0x3fff_ffffL); // PAT bit not taken as address
        assertThat(m1.pageSize()).isEqualTo(1L << 30);
        assertThat(m1.flags().user()).isTrue();
    }

    @Test
    void userBitMustBeSetAtEveryLevel() {
        PageTables t = PageTables.x64(mem, MB);
        t.map(0x40_0000, 0x30_0000, t.last(), P | RW | US, P | RW); // tables without U/S
        assertThat(mapped(space(t, PagingMode.X86_64).translate(new VirtAddr(0x40_0000))).flags().user()).isFalse();
    }

    @Test
    void faultsSayWhichLevelFailed() {
        PageTables t = PageTables.x64(mem, MB);
        long va = 0xffff_ffff_8100_0000L;
        long leaf = t.map(va, 0x20_0000, t.last(), P | RW);
        AddressSpace s = space(t, PagingMode.X86_64);
        Fault pt = fault(s.translate(new VirtAddr(va + 4096)));
        assertThat(pt.reason()).isEqualTo(Reason.NOT_PRESENT);
        assertThat(pt.level()).isEqualTo("PT");
        assertThat(pt.entryAddr()).isEqualTo(leaf + 8);
        Fault pml4 = fault(s.translate(new VirtAddr(0x1000)));
        assertThat(pml4.level()).isEqualTo("PML4");
        assertThat(pml4.entryAddr()).isEqualTo(t.root);
        Fault nc = fault(s.translate(new VirtAddr(0x0000_8000_0000_0000L)));
        assertThat(nc.reason()).isEqualTo(Reason.INVALID_ADDRESS);
        assertThatThrownBy(() -> s.physical(new VirtAddr(va + 4096)))
                .isInstanceOfSatisfying(io.chirp.core.UnmappedException.class, e -> {
                    assertThat(e.isVirtual()).isTrue();
                    assertThat(e.address()).isEqualTo(va + 4096);
                    assertThat(e).hasMessageContaining("PT entry");
                });
    }

    @Test
    void psBitInPml4IsReservedNotALargePage() {
        PageTables t = PageTables.x64(mem, MB);
        t.writeEntry(t.root, 0x8000_0000L | P | RW | PS);
        Fault f = fault(space(t, PagingMode.X86_64).translate(new VirtAddr(0x1000)));
        assertThat(f.reason()).isEqualTo(Reason.RESERVED_BIT);
        assertThat(f.level()).isEqualTo("PML4");
    }

    @Test
    void fiveLevelPagingUsesBits48To56() {
        PageTables t = PageTables.la57(mem, MB);
        long va = 0x00ff_8000_0000_3000L;       // canonical with 57 bits, not with 48
        t.map(va, 0x50_0000, t.last(), P | RW);
        assertThat(mapped(space(t, PagingMode.X86_64_LA57).translate(new VirtAddr(va + 8))).pa().value())
                .isEqualTo(0x50_0008);
        assertThat(fault(space(t, PagingMode.X86_64).translate(new VirtAddr(va))).reason())
                .isEqualTo(Reason.INVALID_ADDRESS);
        assertThat(fault(space(t, PagingMode.X86_64_LA57).translate(new VirtAddr(0x0100_0000_0000_0000L))).reason())
                .isEqualTo(Reason.INVALID_ADDRESS);
    }

    @Test
    void paeHasFourPdptEntriesTwoMegPagesAndNx() {
        PageTables t = PageTables.pae(mem, MB);
        t.map(0xc000_0000L, 0x80_0000, 1, P | RW | NX, P);  // 2 MiB; PDPT entries carry only P
        t.map(0x0804_8000L, 0x60_1000, 2, P | US, P | RW | US); // 4 KiB
        t.writeEntry(t.root, t.readEntry(t.root) & ~(RW | US));   // R/W, U/S are reserved in a PDPTE: only P
        AddressSpace s = space(t, PagingMode.PAE);
        Mapped big = mapped(s.translate(new VirtAddr(0xc012_3456L)));
        assertThat(big.pa().value()).isEqualTo(0x80_0000 + 0x12_3456);
        assertThat(big.pageSize()).isEqualTo(2 * MB);
        assertThat(big.flags()).isEqualTo(new PageFlags(true, false, true, false));
        Mapped small = mapped(s.translate(new VirtAddr(0x0804_8010L)));
        assertThat(small.pa().value()).isEqualTo(0x60_1010);
        assertThat(small.flags().user()).isTrue();
        assertThat(fault(s.translate(new VirtAddr(0x1_0000_0000L))).reason()).isEqualTo(Reason.INVALID_ADDRESS);
        assertThat(PagingMode.PAE.rootFromCr3(t.root | 0x18)).isEqualTo(t.root | 0x0); // 32-byte aligned root kept
    }

    @Test
    void legacy32BitWithPseFourMegPages() {
        PageTables t = PageTables.x86(mem, MB);
        t.map(0xc040_0000L, 0x40_0000, 0, P | RW);            // 4 MiB PSE page
        long pse36 = 0x0040_0000L | (0x3L << 13);              // PA bits 33:32 = 3 via PSE-36
        t.map(0xc080_0000L, pse36, 0, P);
        t.map(0x0804_8000L, 0x70_2000, 1, P | RW | US);       // 4 KiB page
        AddressSpace s = space(t, PagingMode.X86_32);
        Mapped big = mapped(s.translate(new VirtAddr(0xc07f_fffcL)));
        assertThat(big.pa().value()).isEqualTo(0x7f_fffcL);
        assertThat(big.pageSize()).isEqualTo(4 * MB);
        assertThat(big.flags().noExecute()).isFalse();
        assertThat(mapped(s.translate(new VirtAddr(0xc080_0010L))).pa().value()).isEqualTo(0x3_0040_0010L);
        Mapped small = mapped(s.translate(new VirtAddr(0x0804_8abcL)));
        assertThat(small.pa().value()).isEqualTo(0x70_2abc);
        assertThat(small.flags()).isEqualTo(new PageFlags(true, true, false, false));
    }

    @Test
    void hostileTablesEndInFaultsNotHangs() {
        PageTables t = PageTables.x64(mem, MB);
        // PML4[0] points at the PML4 itself: every level reads the same table, the walk still ends after 4 steps
        t.writeEntry(t.root, t.root | P | RW);
        TranslationResult self = space(t, PagingMode.X86_64).translate(new VirtAddr(0x0));
        assertThat(self).isInstanceOfSatisfying(Mapped.class, m -> assertThat(m.pa().value()).isEqualTo(t.root));
        // an entry pointing far outside RAM
        t.writeEntry(t.root + 8, 0x7_ffff_f000L | P);
        Fault out = fault(space(t, PagingMode.X86_64).translate(new VirtAddr(1L << 39)));
        assertThat(out.reason()).isEqualTo(Reason.TABLE_OUTSIDE_MEMORY);
        assertThat(out.level()).isEqualTo("PDPT");
        // a root outside RAM
        Fault root = fault(AddressSpace.of(mem, PagingMode.X86_64, new PhysAddr(0xfff_f000_0000L)).translate(new VirtAddr(0)));
        assertThat(root.level()).isEqualTo("PML4");
        assertThat(root.reason()).isEqualTo(Reason.TABLE_OUTSIDE_MEMORY);
        // an entry with every bit set
        t.writeEntry(t.root + 16, -1L);
        assertThat(fault(space(t, PagingMode.X86_64).translate(new VirtAddr(2L << 39))).reason()).isEqualTo(Reason.RESERVED_BIT);
    }

    @Test
    void modeFromControlRegistersAndKptiRoots() {
        long pg = 1L << 31, pae = 1 << 5, la57 = 1 << 12, lma = 1 << 10;
        assertThat(PagingMode.of(pg, pae, OptionalLong.of(lma))).isSameAs(PagingMode.X86_64);
        assertThat(PagingMode.of(pg, pae | la57, OptionalLong.of(lma))).isSameAs(PagingMode.X86_64_LA57);
        assertThat(PagingMode.of(pg, pae, OptionalLong.of(0))).isSameAs(PagingMode.PAE);
        assertThat(PagingMode.of(pg, 0x10, OptionalLong.of(0))).isSameAs(PagingMode.X86_32);
        assertThat(PagingMode.of(pg, 0x6f0, OptionalLong.empty())).isSameAs(PagingMode.X86_64);
        assertThatThrownBy(() -> PagingMode.of(0, pae, OptionalLong.empty())).hasMessageContaining("CR0.PG");
        assertThat(Kpti.kernelRoot(0x285d000L)).isEqualTo(0x285c000L);
        assertThat(Kpti.kernelRoot(0x8000_0000_0285_d005L)).isEqualTo(0x285c000L); // NOFLUSH + PCID 5
        assertThat(Kpti.activeRoot(0x8000_0000_0285_d005L)).isEqualTo(0x285d000L);
        assertThat(PagingMode.X86_64.rootFromCr3(0x8000_0000_0285_d005L)).isEqualTo(0x285d000L);
    }
}
