package io.chirp.paging;

/**
 * CR3 arithmetic for kernels with page-table isolation. Under KPTI a vCPU in user mode runs on the user PGD,
 * which is the kernel PGD with bit 12 set and maps almost none of the kernel; with PCID the low 12 bits are
 * the PCID and bit 63 is NOFLUSH. Walking kernel addresses must use the kernel half.
 */
public final class Kpti {
    private static final long FRAME = 0x000f_ffff_ffff_f000L;

    private Kpti() {}

    /** {@return the kernel PGD for a CR3 value: PCID, NOFLUSH and the KPTI user bit (bit 12) cleared} */
    public static long kernelRoot(long cr3) {
        return cr3 & FRAME & ~0x1000L;
    }

    /** {@return the PGD the CPU actually uses for a CR3 value (user PGD under KPTI in user mode)} */
    public static long activeRoot(long cr3) {
        return cr3 & FRAME;
    }
}
