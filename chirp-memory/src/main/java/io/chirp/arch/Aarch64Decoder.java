package io.chirp.arch;

import java.util.ArrayList;
import java.util.List;

/**
 * The AArch64 {@link Architecture}'s decoder for hook checks. Instructions are fixed 4-byte little-endian words,
 * so there is no length problem as on x86: a sweep only recognises the direct branches (B, BL, B.cond,
 * CBZ/CBNZ, TBZ/TBNZ) and computes their PC-relative targets. A trailing partial word counts as a resync.
 */
public final class Aarch64Decoder {
    private Aarch64Decoder() {}

    /** BRK #0, the breakpoint the kernel and debuggers plant. */
    public static final int BRK = 0xd420_0000;

    /** Sweeps {@code code}, which starts at virtual address {@code base}. */
    public static Sweep sweep(byte[] code, long base) {
        List<Branch> out = new ArrayList<>();
        int words = code.length / 4;
        for (int i = 0; i < words; i++) {
            int insn = word(code, i * 4);
            Branch b = branch(insn, base + 4L * i);
            if (b != null) out.add(b);
        }
        return new Sweep(out, code.length % 4 == 0 ? 0 : 1);
    }

    /** {@return the little-endian instruction word at {@code off}} */
    public static int word(byte[] c, int off) {
        return (c[off] & 0xff) | (c[off + 1] & 0xff) << 8 | (c[off + 2] & 0xff) << 16 | (c[off + 3] & 0xff) << 24;
    }

    /** {@return the direct branch {@code insn} at {@code pc} is, or null} */
    public static Branch branch(int insn, long pc) {
        int top6 = insn >>> 26;
        if (top6 == 0x05 || top6 == 0x25) {                              // B / BL imm26
            long target = pc + (signExtend(insn, 26) << 2);
            return new Branch(pc, top6 == 0x25 ? Branch.Kind.CALL : Branch.Kind.JMP, target, 4);
        }
        if ((insn & 0xff00_0010) == 0x5400_0000                          // B.cond imm19
                || (insn & 0x7e00_0000) == 0x3400_0000) {                // CBZ / CBNZ imm19
            return new Branch(pc, Branch.Kind.JCC, pc + (signExtend(insn >>> 5, 19) << 2), 4);
        }
        if ((insn & 0x7e00_0000) == 0x3600_0000) {                       // TBZ / TBNZ imm14
            return new Branch(pc, Branch.Kind.JCC, pc + (signExtend(insn >>> 5, 14) << 2), 4);
        }
        return null;
    }

    /**
     * {@return the addresses {@code adrp xN, PAGE; add xN, xN, #OFF} pairs form in {@code code} (at {@code base}),
     * in code order} This is how the kernel's code takes the address of a global, so it names data symbols a
     * text-only kallsyms lacks. The ADD may follow its ADRP by up to 8 instructions (the compiler interleaves).
     */
    public static List<Long> adrpAddresses(byte[] code, long base) {
        List<Long> out = new ArrayList<>();
        int words = code.length / 4;
        for (int i = 0; i < words; i++) {
            int insn = word(code, i * 4);
            if ((insn & 0x9f00_0000) != 0x9000_0000) continue;                 // ADRP
            int rd = insn & 0x1f;
            long imm = signExtend(((insn >>> 5) & 0x7ffff) << 2 | ((insn >>> 29) & 3), 21) << 12;
            long page = ((base + 4L * i) & ~0xfffL) + imm;
            for (int j = i + 1; j < Math.min(words, i + 9); j++) {
                int add = word(code, j * 4);
                if ((add & 0xff80_0000) == 0x9100_0000 && ((add >>> 5) & 0x1f) == rd) { // ADD Xd, Xn=rd, #imm12{, lsl 12}
                    long off = (long) ((add >>> 10) & 0xfff) << (((add >>> 22) & 1) == 1 ? 12 : 0);
                    out.add(page + off);
                    break;
                }
                if ((add & 0x1f) == rd && (add & 0x9f00_0000) == 0x9000_0000) break;  // rd redefined by another ADRP
            }
        }
        return out;
    }

    private static long signExtend(int value, int bits) {
        return ((long) value << (64 - bits)) >> (64 - bits);
    }
}
