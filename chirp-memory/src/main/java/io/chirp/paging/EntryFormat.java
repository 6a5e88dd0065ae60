package io.chirp.paging;

/**
 * What the bits of one page-table entry mean, as data (memflow's "architecture as a table" idea), so that one
 * walker reads x86 and AArch64 tables alike. Table entries (pointing at the next level) and leaf entries
 * (mapping a page or block) have separate permission bits because AArch64 keeps them apart (APTable, XNTable
 * versus AP, UXN/PXN); on x86 they are the same bits.
 *
 * @param valid          an entry with none of these bits set is not present (bit 0 on both)
 * @param leafMask       with {@code leafValue}: at a level above the last, {@code (e & leafMask) == leafValue}
 *                       makes the entry a large page/block (x86 PS set; AArch64 bit 1 clear)
 * @param leafValue      see {@code leafMask}
 * @param pageMask       with {@code pageValue}: at the last level an entry must match (AArch64: bit 1 set, the
 *                       other encoding is reserved); 0/0 where any present entry maps a page
 * @param writable       leaf bit granting writes (x86 R/W set; AArch64 AP[2] clear)
 * @param user           leaf bit granting unprivileged access (x86 U/S set; AArch64 AP[1] set)
 * @param kernelNx       leaf bits forbidding kernel execution (x86 NX; AArch64 PXN)
 * @param userNx         leaf bits forbidding user execution (x86 NX; AArch64 UXN)
 * @param global         leaf bit meaning the mapping is global (x86 G set; AArch64 nG clear)
 * @param tableWritable  table bit granting writes below it (x86 R/W; AArch64 APTable[1] clear)
 * @param tableUser      table bit granting user access below it (x86 U/S; AArch64 APTable[0] clear)
 * @param tableKernelNx  table bits forbidding kernel execution below (x86 NX; AArch64 PXNTable)
 * @param tableUserNx    table bits forbidding user execution below (x86 NX; AArch64 UXNTable)
 * @param writeAnyway    leaf bits that make a read-only-marked page writable (AArch64 DBM, which Linux sets on
 *                       writable clean pages together with AP[2]); 0 on x86
 * @param addressMask    output-address bits taken in place (x86 51:12; AArch64 47:12, 49:12 with LPA2)
 * @param highFrom       first entry bit of an extra, relocated address field (AArch64 52-bit PA), 0 if none
 * @param highWidth      its width in bits, 0 if none
 * @param highTo         the physical-address bit it becomes
 */
public record EntryFormat(long valid, long leafMask, long leafValue, long pageMask, long pageValue,
                          Bit writable, Bit user, long kernelNx, long userNx, Bit global,
                          Bit tableWritable, Bit tableUser, long tableKernelNx, long tableUserNx,
                          long writeAnyway, long addressMask, int highFrom, int highWidth, int highTo) {

    /**
     * One permission bit and its polarity.
     *
     * @param mask      the bit
     * @param whenSet   true if setting it grants the permission, false if setting it takes the permission away
     */
    public record Bit(long mask, boolean whenSet) {
        /** {@return whether entry {@code e} grants this permission} A zero mask always grants. */
        public boolean grants(long e) {
            return mask == 0 || ((e & mask) != 0) == whenSet;
        }
    }

    private static final long NX = 1L << 63;

    /** x86 PAE/long-mode entries: P, R/W, U/S, PS, G, NX (bit 63), frame bits 51:12. */
    public static final EntryFormat X86 = new EntryFormat(1, 0x80, 0x80, 0, 0,
            new Bit(2, true), new Bit(4, true), NX, NX, new Bit(0x100, true),
            new Bit(2, true), new Bit(4, true), NX, NX, 0, 0x000f_ffff_ffff_f000L, 0, 0, 0);

    /** Legacy 32-bit x86 entries: no NX; the PSE-36 address bits are handled by the mode (entry size 4). */
    public static final EntryFormat X86_32 = new EntryFormat(1, 0x80, 0x80, 0, 0,
            new Bit(2, true), new Bit(4, true), 0, 0, new Bit(0x100, true),
            new Bit(2, true), new Bit(4, true), 0, 0, 0, 0xffff_f000L, 0, 0, 0);

    /** AArch64 VMSAv8-64 stage-1 descriptors with a 48-bit output address (any granule). */
    public static final EntryFormat AARCH64 = aarch64(0x0000_ffff_ffff_f000L, 0, 0, 0);

    /** AArch64 with the 64 KiB granule and 52-bit PA (FEAT_LPA): descriptor bits 15:12 are PA bits 51:48. */
    public static final EntryFormat AARCH64_LPA_64K = aarch64(0x0000_ffff_ffff_0000L, 12, 4, 48);

    /** AArch64 with FEAT_LPA2 (TCR.DS = 1, 4/16 KiB granules): bits 49:12 in place, bits 9:8 are PA bits 51:50. */
    public static final EntryFormat AARCH64_LPA2 = aarch64(0x0003_ffff_ffff_f000L, 8, 2, 50);

    private static EntryFormat aarch64(long addressMask, int highFrom, int highWidth, int highTo) {
        return new EntryFormat(1, 2, 0, 2, 2,
                new Bit(1L << 7, false), new Bit(1L << 6, true), 1L << 53, 1L << 54, new Bit(1L << 11, false),
                new Bit(1L << 62, false), new Bit(1L << 61, false), 1L << 59, 1L << 60,
                1L << 51, addressMask, highFrom, highWidth, highTo);
    }

    public EntryFormat {
        if (valid == 0) throw new IllegalArgumentException("an entry format needs a valid bit");
        if (highWidth < 0 || highWidth > 8 || (highWidth > 0 && highTo + highWidth > 64)) {
            throw new IllegalArgumentException("bad relocated address field");
        }
    }

    /** {@return the output address an entry holds: the in-place bits plus the relocated high field} */
    public long address(long e) {
        long a = e & addressMask;
        if (highWidth > 0) a |= ((e >>> highFrom) & ((1L << highWidth) - 1)) << highTo;
        return a;
    }
}
