package io.chirp.paging;

import io.chirp.core.ChirpException;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * A paging mode as data, the way Volatility's Intel layers and memflow's architecture tables describe it: a
 * list of levels from the root down, each consuming some bits of the virtual address, and an
 * {@link EntryFormat} saying what an entry's bits mean. One walker ({@link PageWalker}) serves every mode, x86
 * (4-level, LA57, PAE, 32-bit) and AArch64 (4, 16 and 64 KiB granules, 48- and 52-bit VA); modes differ only
 * in these tables.
 *
 * @param name       for messages, e.g. "x86-64 4-level"
 * @param levels     root first; the last level always maps a page
 * @param entrySize  8 (PAE, long mode, AArch64) or 4 (legacy 32-bit)
 * @param vaBits     significant virtual-address bits: 48/57 on x86-64, 39..52 on AArch64, 32 in 32-bit modes
 * @param signExtend true where the bits above the VA must all be equal (x86-64 canonical form, AArch64's halves)
 * @param format     the meaning of an entry's bits
 * @param splitRoots true on AArch64: addresses with the top bit set are walked from TTBR1's table, the others
 *                   from TTBR0's; x86 walks both halves from the one CR3 table
 */
public record PagingMode(String name, List<Level> levels, int entrySize, int vaBits, boolean signExtend,
                         EntryFormat format, boolean splitRoots) {

    /**
     * One level of page tables.
     *
     * @param name        the architecture's name for the table (PML4, PD...; L0..L3 on AArch64)
     * @param shift       lowest virtual-address bit this level indexes
     * @param bits        how many virtual-address bits index the table
     * @param largePage   whether a leaf entry (x86 PS set, AArch64 block) may map a region here
     * @param permissions whether permission bits exist here (not in PAE's PDPT, where they are reserved)
     */
    public record Level(String name, int shift, int bits, boolean largePage, boolean permissions) {
        public Level {
            if (shift < 12 || bits < 1 || shift + bits > 64) throw new IllegalArgumentException("bad level " + name);
        }

        /** {@return the size of the region one entry of this level covers} */
        public long entrySpan() { return 1L << shift; }
    }

    public static final PagingMode X86_64 = new PagingMode("x86-64 4-level", List.of(
            new Level("PML4", 39, 9, false, true),
            new Level("PDPT", 30, 9, true, true),
            new Level("PD", 21, 9, true, true),
            new Level("PT", 12, 9, false, true)), 8, 48, true, EntryFormat.X86, false);

    public static final PagingMode X86_64_LA57 = new PagingMode("x86-64 5-level (LA57)", List.of(
            new Level("PML5", 48, 9, false, true),
            new Level("PML4", 39, 9, false, true),
            new Level("PDPT", 30, 9, true, true),
            new Level("PD", 21, 9, true, true),
            new Level("PT", 12, 9, false, true)), 8, 57, true, EntryFormat.X86, false);

    public static final PagingMode PAE = new PagingMode("x86 PAE", List.of(
            new Level("PDPT", 30, 2, false, false),
            new Level("PD", 21, 9, true, true),
            new Level("PT", 12, 9, false, true)), 8, 32, false, EntryFormat.X86, false);

    /** Legacy 32-bit paging with PSE: a PD entry with PS set maps 4 MiB (PSE-36 gives PA bits 32-39). */
    public static final PagingMode X86_32 = new PagingMode("x86 32-bit (PSE)", List.of(
            new Level("PD", 22, 10, true, true),
            new Level("PT", 12, 10, false, true)), 4, 32, false, EntryFormat.X86_32, false);

    public PagingMode {
        levels = List.copyOf(levels);
        if (levels.isEmpty()) throw new IllegalArgumentException("no levels");
        if (entrySize != 4 && entrySize != 8) throw new IllegalArgumentException("entry size " + entrySize);
    }

    /** {@return whether entries can forbid execution (all modes but legacy 32-bit)} */
    public boolean hasNx() { return (format.kernelNx() | format.userNx()) != 0; }

    /** {@return the page size of the last level: 4 KiB on x86, the granule on AArch64} */
    public long granule() { return levels.getLast().entrySpan(); }

    /**
     * {@return the mode a CPU with these control registers uses} In long mode (EFER.LMA) CR4.LA57 picks 4 or
     * 5 levels; otherwise CR4.PAE picks PAE or 32-bit. QEMU's ELF notes carry no EFER: without it, PAE set
     * is taken to mean long mode, because a 64-bit guest is what CHIRP inspects.
     */
    public static PagingMode of(long cr0, long cr4, OptionalLong efer) {
        if ((cr0 & (1L << 31)) == 0) throw ChirpException.usage("paging is off (CR0.PG = 0): addresses are physical");
        boolean pae = (cr4 & (1L << 5)) != 0;
        boolean longMode = efer.isPresent() ? (efer.getAsLong() & (1L << 10)) != 0 : pae;
        if (longMode) return (cr4 & (1L << 12)) != 0 ? X86_64_LA57 : X86_64;
        return pae ? PAE : X86_32;
    }

    /**
     * {@return the AArch64 stage-1 mode for a granule and VA size} Levels are cut from the bottom: the last level
     * indexes the bits above the page offset, each level above takes {@code granuleShift - 3} more bits, and
     * the top level takes what is left (so 16 KiB with 48-bit VA has a 2-entry L0). Block mappings are allowed
     * where the architecture allows them: L1 and L2 with 4 KiB pages (L0 too with 52-bit output), L2 with
     * 16 KiB (L1 too with 52-bit output), L2 with 64 KiB (L1 too with 52-bit output).
     *
     * @param granuleShift 12, 14 or 16
     * @param vaBits       64 - TnSZ, 25..52
     * @param pa52         52-bit output addresses (FEAT_LPA with 64 KiB, FEAT_LPA2/TCR.DS with 4 and 16 KiB)
     */
    public static PagingMode aarch64(int granuleShift, int vaBits, boolean pa52) {
        if (granuleShift != 12 && granuleShift != 14 && granuleShift != 16) {
            throw ChirpException.usage("AArch64 granule 2^" + granuleShift + " is not 4, 16 or 64 KiB");
        }
        int perLevel = granuleShift - 3;
        int maxVa = granuleShift == 16 || pa52 ? 52 : 48;
        if (vaBits < 25 || vaBits > maxVa) {
            throw ChirpException.usage("AArch64 VA size " + vaBits + " outside 25.." + maxVa + " for this granule");
        }
        int count = (vaBits - granuleShift + perLevel - 1) / perLevel;
        int firstNumber = 4 - count; // the last level is always L3; 52-bit VA with 4 KiB adds L-1
        List<Level> levels = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int number = firstNumber + i;
            int shift = granuleShift + perLevel * (count - 1 - i);
            int bits = Math.min(perLevel, vaBits - shift);
            levels.add(new Level("L" + number, shift, bits, blockAllowed(granuleShift, number, pa52), true));
        }
        EntryFormat format = !pa52 ? EntryFormat.AARCH64
                : granuleShift == 16 ? EntryFormat.AARCH64_LPA_64K : EntryFormat.AARCH64_LPA2;
        String name = "AArch64 " + (1 << (granuleShift - 10)) + " KiB granule, " + vaBits + "-bit VA"
                + (pa52 ? ", 52-bit PA" : "");
        return new PagingMode(name, levels, 8, vaBits, true, format, true);
    }

    private static boolean blockAllowed(int granuleShift, int level, boolean pa52) {
        return switch (granuleShift) {
            case 12 -> level == 1 || level == 2 || (pa52 && level == 0);
            default -> level == 2 || (pa52 && level == 1);
        };
    }

    /**
     * {@return the mode for one half of the address space from TCR_EL1} {@code high} picks TTBR1's half (T1SZ,
     * TG1) or TTBR0's (T0SZ, TG0). 52-bit output comes from TCR.DS (LPA2) or, with 64 KiB pages, IPS = 52 bits.
     */
    public static PagingMode fromTcr(long tcr, boolean high) {
        int tsz = (int) ((tcr >>> (high ? 16 : 0)) & 0x3f);
        int tg = (int) ((tcr >>> (high ? 30 : 14)) & 3);
        int granuleShift = high
                ? switch (tg) { case 1 -> 14; case 2 -> 12; case 3 -> 16; default -> -1; }
                : switch (tg) { case 0 -> 12; case 1 -> 16; case 2 -> 14; default -> -1; };
        if (granuleShift < 0) throw ChirpException.usage("TCR_EL1 0x" + Long.toHexString(tcr) + " has a reserved TG");
        boolean ds = (tcr & (1L << 59)) != 0;
        boolean ips52 = ((tcr >>> 32) & 7) == 6;
        return aarch64(granuleShift, 64 - tsz, ds || (granuleShift == 16 && ips52));
    }

    /** {@return the page-table root a CR3 value points at, for this mode (PCID and flag bits dropped)} */
    public long rootFromCr3(long cr3) {
        return switch (entrySize) {
            case 4 -> cr3 & 0xffff_f000L;
            default -> this == PAE ? cr3 & 0xffff_ffe0L : cr3 & 0x000f_ffff_ffff_f000L;
        };
    }

    /**
     * {@return the table a TTBRn_EL1 value points at} The ASID (bits 63:48) and CnP (bit 0) are dropped; with
     * 52-bit output, bits 5:2 hold PA bits 51:48. The top-level table may be smaller than a page, so the
     * address keeps its low bits down to the table's own alignment (8 bytes per entry).
     */
    public long rootFromTtbr(long ttbr) {
        long base = ttbr & 0x0000_ffff_ffff_fffeL;
        if (format != EntryFormat.AARCH64) base = (base & ~0x3cL) | ((ttbr >>> 2) & 0xf) << 48;
        long tableBytes = 8L << levels.getFirst().bits();
        return base & -Math.max(64, tableBytes);
    }

    /** {@return the physical address of the next table an entry points to} */
    long tableAddress(long entry) {
        return format.address(entry);
    }

    /** {@return the physical base of the page an entry maps at {@code level}} */
    long pageBase(long entry, Level level) {
        if (entrySize == 4) {
            if (level.shift() == 12) return entry & 0xffff_f000L;
            // 4 MiB PSE page: bits 31:22 plus PSE-36 bits 20:13 as PA bits 39:32
            return (entry & 0xffc0_0000L) | (((entry >>> 13) & 0xffL) << 32);
        }
        // bit 12 of an x86 large entry is PAT, not address: mask to the page size
        return format.address(entry) & ~(level.entrySpan() - 1);
    }

    /**
     * {@return true if {@code va} is representable} x86-64: canonical (bits 63..vaBits-1 copy bit vaBits-1).
     * AArch64: each half has the full vaBits (TTBR0 maps [0, 2^vaBits), TTBR1 the top 2^vaBits), so only bits
     * 63..vaBits must be all 0 or all 1 and bit vaBits-1 is an index bit like the others. 32-bit: below 4 GiB.
     */
    boolean isValid(long va) {
        if (signExtend) {
            long top = va >> (splitRoots ? vaBits : vaBits - 1);
            return top == 0 || top == -1;
        }
        return (va >>> vaBits) == 0;
    }

    @Override public String toString() { return name; }
}
