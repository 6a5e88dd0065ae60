package io.chirp.memory;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/** Builds small ELF cores and LiME images byte by byte, independently of CHIRP's writers, as test oracles. */
final class TestImages {
    record Load(long paddr, byte[] data) {}

    private TestImages() {}

    /** {@return bytes 0..n-1 of a recognisable pattern seeded by {@code seed}} */
    static byte[] pattern(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) b[i] = (byte) (i * 31 + seed * 7 + (i >>> 8));
        return b;
    }

    /** An ELF64 x86-64 core: header, PT_NOTE (if notes given) then PT_LOADs, data packed after the headers. */
    static byte[] elfCore(List<ElfNote> notes, List<Load> loads) {
        ByteArrayOutputStream noteBytes = new ByteArrayOutputStream();
        for (ElfNote n : notes) noteBytes.writeBytes(n.encode());
        int phnum = loads.size() + (notes.isEmpty() ? 0 : 1);
        long off = 64 + 56L * phnum;
        ByteBuffer h = le(64 + 56 * phnum);
        h.put(new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1, 0});
        h.putShort(16, (short) 4).putShort(18, (short) 62).putInt(20, 1).putLong(32, 64)
                .putShort(52, (short) 64).putShort(54, (short) 56).putShort(56, (short) phnum);
        int p = 64;
        if (!notes.isEmpty()) {
            h.putInt(p, 4).putLong(p + 8, off).putLong(p + 32, noteBytes.size()).putLong(p + 40, noteBytes.size());
            off += noteBytes.size();
            p += 56;
        }
        for (Load l : loads) {
            h.putInt(p, 1).putInt(p + 4, 7).putLong(p + 8, off).putLong(p + 24, l.paddr())
                    .putLong(p + 32, l.data().length).putLong(p + 40, l.data().length);
            off += l.data().length;
            p += 56;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(h.array());
        out.writeBytes(noteBytes.toByteArray());
        for (Load l : loads) out.writeBytes(l.data());
        return out.toByteArray();
    }

    static byte[] lime(List<Load> ranges) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Load l : ranges) {
            out.writeBytes(limeHeader(l.paddr(), l.paddr() + l.data().length - 1));
            out.writeBytes(l.data());
        }
        return out.toByteArray();
    }

    static byte[] limeHeader(long start, long lastInclusive) {
        return le(32).putInt(0x4C694D45).putInt(1).putLong(start).putLong(lastInclusive).array();
    }

    /** An NT_PRSTATUS descriptor with user_regs set from (name, value) pairs; unnamed registers are 0. */
    static byte[] prstatus(int pid, Object... regs) {
        ByteBuffer b = le(336).putInt(32, pid);
        List<String> order = new ArrayList<>(X86CoreNotes.USER_REGS);
        for (int i = 0; i < regs.length; i += 2) b.putLong(112 + 8 * order.indexOf((String) regs[i]), (Long) regs[i + 1]);
        return b.array();
    }

    /** A QEMUCPUState v1 of {@code size} bytes (432 or 440), with rax = 0x1000+vcpu, rip, gs base and crs. */
    static byte[] qemuState(int size, int vcpu, long rip, long gsBase, long cr3, long kgs) {
        ByteBuffer b = le(size).putInt(0, 1).putInt(4, size);
        b.putLong(8, 0x1000 + vcpu);                  // rax
        b.putLong(8 + 16 * 8, rip);                   // rip
        b.putLong(8 + 17 * 8, 0x246);                 // rflags
        int gs = 8 + 18 * 8 + 4 * 24;                 // cs ds es fs [gs]
        b.putInt(gs, 0x2b).putLong(gs + 16, gsBase);
        int cr = 8 + 18 * 8 + 10 * 24;
        b.putLong(cr, 0x80050033L).putLong(cr + 16, 0xdead000).putLong(cr + 24, cr3).putLong(cr + 32, 0x6f0);
        if (size >= 440) b.putLong(432, kgs);
        return b.array();
    }

    static ByteBuffer le(int n) {
        return ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
    }
}
