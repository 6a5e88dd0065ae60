package io.chirp.paging;

import io.chirp.core.ChirpException;

import java.util.List;
import java.util.OptionalLong;

/**
 * An x86 paging mode as data, the way Volatility's Intel layers and memflow's architecture tables describe it:
 * a list of levels from the root down, each consuming some bits of the virtual address. One walker
 * ({@link PageWalker}) serves every mode; modes differ only in these tables and in the entry format.
 *
 * @param name       for messages, e.g. "x86-64 4-level"
 * @param levels     root first; the last level always maps a page
 * @param entrySize  8 (PAE and long mode) or 4 (legacy 32-bit)
 * @param vaBits     significant virtual-address bits: 48/57 (higher bits must be a sign extension) or 32
 * @param signExtend true in long mode (canonical addresses), false in 32-bit modes (VA must fit in vaBits)
 * @param hasNx      whether bit 63 of an entry is the no-execute bit
 */
public record PagingMode(String name, List<Level> levels, int entrySize, int vaBits, boolean signExtend,
                         boolean hasNx) {

    /**
     * One level of page tables.
     *
     * @param name        Intel's name for the table (PML5, PML4, PDPT, PD, PT)
     * @param shift       lowest virtual-address bit this level indexes
     * @param bits        how many virtual-address bits index the table
     * @param largePage   whether an entry with PS (bit 7) set maps a page here (1 GiB, 2 MiB, 4 MiB)
     * @param permissions whether R/W and U/S bits exist here (not in PAE's PDPT, where they are reserved)
     */
    public record Level(String name, int shift, int bits, boolean largePage, boolean permissions) {
        public Level {
            if (shift < 12 || bits < 1 || shift + bits > 64) throw new IllegalArgumentException("bad level " + name);
        }

        /** {@return the size of the region one entry of this level covers} */
        public long entrySpan() { return 1L << shift; }
    }

    /** Physical frame bits of a 64-bit entry: MAXPHYADDR is at most 52. */
    static final long FRAME_MASK_64 = 0x000f_ffff_ffff_f000L;

    public static final PagingMode X86_64 = new PagingMode("x86-64 4-level", List.of(
            new Level("PML4", 39, 9, false, true),
            new Level("PDPT", 30, 9, true, true),
            new Level("PD", 21, 9, true, true),
            new Level("PT", 12, 9, false, true)), 8, 48, true, true);

    public static final PagingMode X86_64_LA57 = new PagingMode("x86-64 5-level (LA57)", List.of(
            new Level("PML5", 48, 9, false, true),
            new Level("PML4", 39, 9, false, true),
            new Level("PDPT", 30, 9, true, true),
            new Level("PD", 21, 9, true, true),
            new Level("PT", 12, 9, false, true)), 8, 57, true, true);

    public static final PagingMode PAE = new PagingMode("x86 PAE", List.of(
            new Level("PDPT", 30, 2, false, false),
            new Level("PD", 21, 9, true, true),
            new Level("PT", 12, 9, false, true)), 8, 32, false, true);

    /** Legacy 32-bit paging with PSE: a PD entry with PS set maps 4 MiB (PSE-36 gives PA bits 32-39). */
    public static final PagingMode X86_32 = new PagingMode("x86 32-bit (PSE)", List.of(
            new Level("PD", 22, 10, true, true),
            new Level("PT", 12, 10, false, true)), 4, 32, false, false);

    public PagingMode {
        levels = List.copyOf(levels);
        if (levels.isEmpty()) throw new IllegalArgumentException("no levels");
        if (entrySize != 4 && entrySize != 8) throw new IllegalArgumentException("entry size " + entrySize);
    }

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

    /** {@return the page-table root a CR3 value points at, for this mode (PCID and flag bits dropped)} */
    public long rootFromCr3(long cr3) {
        return switch (entrySize) {
            case 4 -> cr3 & 0xffff_f000L;
            default -> this == PAE ? cr3 & 0xffff_ffe0L : cr3 & FRAME_MASK_64;
        };
    }

    /** {@return the physical address of the next table an entry points to} */
    long tableAddress(long entry) {
        return entrySize == 4 ? entry & 0xffff_f000L : entry & FRAME_MASK_64;
    }

    /** {@return the physical base of the page an entry maps at {@code level}} */
    long pageBase(long entry, Level level) {
        if (entrySize == 4) {
            if (level.shift() == 12) return entry & 0xffff_f000L;
            // 4 MiB PSE page: bits 31:22 plus PSE-36 bits 20:13 as PA bits 39:32
            return (entry & 0xffc0_0000L) | (((entry >>> 13) & 0xffL) << 32);
        }
        // bit 12 of a large entry is PAT, not address: mask to the page size
        return entry & FRAME_MASK_64 & ~(level.entrySpan() - 1);
    }

    /** {@return true if {@code va} is representable: canonical in long mode, below 4 GiB in 32-bit modes} */
    boolean isValid(long va) {
        if (signExtend) {
            long top = va >> (vaBits - 1);
            return top == 0 || top == -1;
        }
        return (va >>> vaBits) == 0;
    }

    @Override public String toString() { return name; }
}
