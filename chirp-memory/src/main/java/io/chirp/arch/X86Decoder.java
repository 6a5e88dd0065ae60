package io.chirp.arch;

import java.util.ArrayList;
import java.util.List;

/**
 * Just enough x86-64 decoding to follow control flow in kernel code: instruction lengths (prefixes, REX, VEX,
 * the one-, two- and three-byte opcode maps, ModRM/SIB/displacement, immediates) and the targets of direct
 * branches. Not a disassembler: it never needs operands, only where the next instruction starts and where a
 * rel8/rel32 branch goes. Undecodable bytes make it step one byte and go on (length-tolerant), and say so.
 * The x86-64 {@link Architecture}'s decoder for hook checks.
 */
public final class X86Decoder {
    private X86Decoder() {}

    /** Sweeps {@code code}, which starts at virtual address {@code base}. */
    public static Sweep sweep(byte[] code, long base) {
        List<Branch> out = new ArrayList<>();
        int resyncs = 0;
        int i = 0;
        while (i < code.length) {
            int n = length(code, i);
            if (n <= 0 || i + n > code.length) {
                resyncs++;
                i++;
                continue;
            }
            Branch b = branch(code, i, n, base);
            if (b != null) out.add(b);
            i += n;
        }
        return new Sweep(out, resyncs);
    }

    /** {@return the direct branch at {@code off} (an instruction of {@code n} bytes), or null} */
    static Branch branch(byte[] c, int off, int n, long base) {
        int p = off;
        while (p < off + n && isLegacyPrefix(c[p] & 0xff)) p++;
        int op = c[p] & 0xff;
        long next = base + off + n;
        if ((op == 0xe8 || op == 0xe9) && n - (p - off) == 5) {
            return new Branch(base + off, op == 0xe8 ? Branch.Kind.CALL : Branch.Kind.JMP, next + rel32(c, p + 1), n);
        }
        if (op == 0xeb) return new Branch(base + off, Branch.Kind.JMP, next + c[p + 1], n);
        if (op >= 0x70 && op <= 0x7f) return new Branch(base + off, Branch.Kind.JCC, next + c[p + 1], n);
        if (op == 0x0f && p + 1 < off + n && (c[p + 1] & 0xf0) == 0x80) {
            return new Branch(base + off, Branch.Kind.JCC, next + rel32(c, p + 2), n);
        }
        return null;
    }

    /** {@return the little-endian signed 32-bit displacement at {@code p}} */
    public static int rel32(byte[] c, int p) {
        return (c[p] & 0xff) | (c[p + 1] & 0xff) << 8 | (c[p + 2] & 0xff) << 16 | (c[p + 3] & 0xff) << 24;
    }

    private static boolean isLegacyPrefix(int b) {
        return b == 0x66 || b == 0x67 || b == 0xf0 || b == 0xf2 || b == 0xf3
                || b == 0x2e || b == 0x36 || b == 0x3e || b == 0x26 || b == 0x64 || b == 0x65;
    }

    /** {@return the length of the instruction at {@code off}, or -1 if it is not valid 64-bit code we know} */
    public static int length(byte[] c, int off) {
        int p = off;
        boolean opsize = false, addrsize = false, rexW = false;
        while (p < c.length && isLegacyPrefix(c[p] & 0xff)) {
            if ((c[p] & 0xff) == 0x66) opsize = true;
            if ((c[p] & 0xff) == 0x67) addrsize = true;
            if (++p - off > 14) return -1;
        }
        if (p < c.length && (c[p] & 0xf0) == 0x40) {
            rexW = (c[p] & 8) != 0;
            p++;
        }
        if (p >= c.length) return -1;
        int op = c[p++] & 0xff;
        int imm = opsize ? 2 : 4; // Iz
        int len;
        switch (op) {
            case 0x0f -> len = twoByte(c, p, opsize);
            case 0xc4, 0xc5 -> len = vex(c, p, op == 0xc4);
            case 0x62 -> len = p + 3 < c.length ? modrm(c, p + 4, 0) + 4 : -1; // EVEX: 3 payload bytes, opcode, ModRM
            default -> len = oneByte(c, p, op, imm, opsize, addrsize, rexW);
        }
        if (len < 0) return -1;
        int total = p - off + len;
        return total > 15 ? -1 : total;
    }

    /** Length after the opcode byte of the one-byte map. */
    private static int oneByte(byte[] c, int p, int op, int iz, boolean opsize, boolean addrsize, boolean rexW) {
        if (op < 0x40 && (op & 7) < 4) return modrm(c, p, 0);               // ALU r/m forms
        if (op < 0x40 && (op & 7) == 4) return 1;                           // ALU AL, Ib
        if (op < 0x40 && (op & 7) == 5) return iz;                          // ALU eAX, Iz
        if (op < 0x40) return -1;                                           // 06/07/0E/16/17/1E/1F/27/2F/37/3F, 26/2E.. are prefixes
        if (op >= 0x50 && op <= 0x5f) return 0;                             // push/pop reg
        if (op >= 0x70 && op <= 0x7f) return 1;                             // Jcc rel8
        if (op >= 0x90 && op <= 0x99) return 0;                             // xchg/nop, cbw, cwd
        if (op >= 0xb0 && op <= 0xb7) return 1;                             // mov r8, Ib
        if (op >= 0xb8 && op <= 0xbf) return rexW ? 8 : iz;                 // mov r, Iv
        if (op >= 0xd8 && op <= 0xdf) return modrm(c, p, 0);                // x87
        return switch (op) {
            case 0x63, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8b, 0x8c, 0x8d, 0x8e, 0x8f, 0xd0, 0xd1, 0xd2,
                 0xd3, 0xfe, 0xff -> modrm(c, p, 0);
            case 0x69, 0x81, 0xc7 -> modrm(c, p, iz);
            case 0x6b, 0x80, 0x83, 0xc0, 0xc1, 0xc6 -> modrm(c, p, 1);
            case 0xf6 -> modrm(c, p, p < c.length && ((c[p] >> 3) & 7) < 2 ? 1 : 0);
            case 0xf7 -> modrm(c, p, p < c.length && ((c[p] >> 3) & 7) < 2 ? iz : 0);
            case 0x68, 0xe8, 0xe9, 0xa9 -> op == 0xe8 || op == 0xe9 ? 4 : iz;
            case 0x6a, 0xa8, 0xcd, 0xe0, 0xe1, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xeb -> 1;
            case 0xa0, 0xa1, 0xa2, 0xa3 -> addrsize ? 4 : 8;                 // mov moffs
            case 0xc2, 0xca -> 2;
            case 0xc8 -> 3;
            case 0x6c, 0x6d, 0x6e, 0x6f, 0x9b, 0x9c, 0x9d, 0x9e, 0x9f, 0xa4, 0xa5, 0xa6, 0xa7, 0xaa, 0xab, 0xac, 0xad,
                 0xae, 0xaf, 0xc3, 0xc9, 0xcb, 0xcc, 0xcf, 0xd7, 0xec, 0xed, 0xee, 0xef, 0xf1, 0xf4, 0xf5, 0xf8, 0xf9,
                 0xfa, 0xfb, 0xfc, 0xfd -> 0;
            default -> -1;                                                  // 60, 61, 82, 9a, ce, d4-d6, ea: invalid
        };
    }

    private static int twoByte(byte[] c, int p, boolean opsize) {
        if (p >= c.length) return -1;
        int op = c[p] & 0xff;
        int rest = p + 1;
        if (op == 0x38) return rest < c.length ? 2 + modrm(c, rest + 1, 0) : -1;
        if (op == 0x3a) return rest < c.length ? 2 + modrm(c, rest + 1, 1) : -1;
        if (op >= 0x80 && op <= 0x8f) return 1 + 4;                       // Jcc rel32
        if (op == 0x0f || (op >= 0x70 && op <= 0x73) || op == 0xa4 || op == 0xac || op == 0xba
                || op == 0xc2 || op == 0xc4 || op == 0xc5 || op == 0xc6) return 1 + modrm(c, rest, 1);
        switch (op) {
            case 0x05, 0x06, 0x07, 0x08, 0x09, 0x0b, 0x0e, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x37, 0x77, 0xa0, 0xa1,
                 0xa2, 0xa8, 0xa9, 0xaa, 0xc8, 0xc9, 0xca, 0xcb, 0xcc, 0xcd, 0xce, 0xcf -> { return 1; }
            case 0x04, 0x0a, 0x0c, 0x24, 0x25, 0x26, 0x27, 0x36, 0x39, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f, 0xff -> { return -1; }
            default -> { return 1 + modrm(c, rest, 0); }
        }
    }

    private static int vex(byte[] c, int p, boolean threeByte) {
        int payload = threeByte ? 2 : 1;
        if (p + payload >= c.length) return -1;
        int map = threeByte ? c[p] & 0x1f : 1;
        int op = c[p + payload] & 0xff;
        int imm = map == 3 || (map == 1 && ((op >= 0x70 && op <= 0x73) || op == 0xc2 || op == 0xc4 || op == 0xc5
                || op == 0xc6)) ? 1 : 0;
        if (map == 1 && op == 0x77) return payload + 1;                    // vzeroupper/vzeroall
        int m = modrm(c, p + payload + 1, imm);
        return m < 0 ? -1 : payload + 1 + m;
    }

    /** {@return bytes of ModRM, SIB, displacement and an immediate of {@code imm} bytes, starting at {@code p}} */
    private static int modrm(byte[] c, int p, int imm) {
        if (imm < 0 || p >= c.length) return -1;
        int b = c[p] & 0xff;
        int mod = b >> 6, rm = b & 7;
        int n = 1;
        if (mod != 3 && rm == 4) {
            if (p + 1 >= c.length) return -1;
            n++;
            if (mod == 0 && (c[p + 1] & 7) == 5) n += 4;
        }
        if (mod == 0 && rm == 5) n += 4;                                    // RIP-relative
        if (mod == 1) n += 1;
        if (mod == 2) n += 4;
        return n + imm;
    }
}
