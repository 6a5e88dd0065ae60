package io.chirp.memory.acquire;

import io.chirp.core.ChirpException;
import io.chirp.core.CpuState;
import io.chirp.core.MemoryRange;
import io.chirp.memory.ElfNote;
import io.chirp.memory.X86CoreNotes;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Lays out an ELF64 core the way QEMU's {@code dump-guest-memory} (paging=false) does, so crash, Volatility 3
 * and {@code readelf} read it: ET_CORE, EM_X86_64, one PT_NOTE with every vCPU's NT_PRSTATUS then every vCPU's
 * "QEMU" note, then one PT_LOAD per range with p_paddr = GPA and p_vaddr = 0. Unlike QEMU the data starts on a
 * page boundary, so the image itself can be mapped page-aligned.
 */
final class ElfCoreLayout {
    private static final int EHDR = 64, PHDR = 56, PAGE = 4096;
    private static final int PT_LOAD = 1, PT_NOTE = 4, PF_RWX = 7;
    /** e_phnum is 16 bits and 0xffff means "see section 0": stay below it rather than write the extension. */
    static final int MAX_RANGES = 0xfffe - 1;

    private ElfCoreLayout() {}

    static ImageLayout of(List<MemoryRange> ranges, List<CpuState> cpus) {
        if (ranges.size() > MAX_RANGES) throw ChirpException.usage("too many ranges for one ELF core: " + ranges.size());
        byte[] notes = notes(cpus);
        int phnum = ranges.size() + (notes.length > 0 ? 1 : 0);
        long notesOffset = EHDR + (long) PHDR * phnum;
        long dataOffset = align(notesOffset + notes.length);
        ByteBuffer h = ByteBuffer.allocate((int) dataOffset).order(ByteOrder.LITTLE_ENDIAN);
        h.put(new byte[] {0x7f, 'E', 'L', 'F', 2 /* ELFCLASS64 */, 1 /* LSB */, 1 /* EV_CURRENT */, 0 /* SYSV */});
        h.putShort(16, (short) 4)            // ET_CORE
                .putShort(18, (short) 62)    // EM_X86_64
                .putInt(20, 1)               // e_version
                .putLong(32, EHDR)           // e_phoff
                .putShort(52, (short) EHDR)  // e_ehsize
                .putShort(54, (short) PHDR)  // e_phentsize
                .putShort(56, (short) phnum);
        int p = EHDR;
        if (notes.length > 0) {
            h.putInt(p, PT_NOTE).putLong(p + 8, notesOffset)
                    .putLong(p + 32, notes.length).putLong(p + 40, notes.length).putLong(p + 48, 4);
            p += PHDR;
            h.put((int) notesOffset, notes);
        }
        List<ImageLayout.Part> parts = new ArrayList<>();
        long offset = dataOffset;
        for (MemoryRange r : ranges) {
            h.putInt(p, PT_LOAD).putInt(p + 4, PF_RWX).putLong(p + 8, offset).putLong(p + 16, 0)
                    .putLong(p + 24, r.start()).putLong(p + 32, r.size()).putLong(p + 40, r.size()).putLong(p + 48, 0);
            p += PHDR;
            offset += r.size();
            parts.add(new ImageLayout.Data(r));
        }
        parts.addFirst(new ImageLayout.Bytes(h.array())); // complete now: every program header is filled in
        return new ImageLayout(parts);
    }

    /** All NT_PRSTATUS notes, then all QEMU notes: QEMU's order, which crash relies on for vCPU numbering. */
    private static byte[] notes(List<CpuState> cpus) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (CpuState c : cpus) {
            out.writeBytes(new ElfNote("CORE", ElfNote.NT_PRSTATUS, X86CoreNotes.encodePrstatus(c, c.vcpu() + 1)).encode());
        }
        for (CpuState c : cpus) out.writeBytes(new ElfNote("QEMU", ElfNote.NT_QEMU, X86CoreNotes.encodeQemu(c)).encode());
        return out.toByteArray();
    }

    private static long align(long n) {
        return (n + PAGE - 1) & -PAGE;
    }
}
