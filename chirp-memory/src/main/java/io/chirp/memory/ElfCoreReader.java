package io.chirp.memory;

import io.chirp.core.ChirpException;
import io.chirp.core.CpuState;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the layout of an x86-64 ELF64 core: PT_LOAD program headers give GPA (p_paddr) to file offset, the
 * PT_NOTE segments give per-vCPU register state. Only headers are read here; the bytes stay in the file.
 */
final class ElfCoreReader {
    static final int EHDR_SIZE = 64;
    static final int PHDR_SIZE = 56;
    static final int ET_CORE = 4;
    static final int EM_X86_64 = 62;
    static final int PT_LOAD = 1;
    static final int PT_NOTE = 4;
    /** e_phnum value meaning "the real count is in section header 0's sh_info". */
    static final int PN_XNUM = 0xffff;

    /** The layout and CPU state of one core file. */
    record Layout(List<Segment> segments, List<CpuState> cpus) {}

    private ElfCoreReader() {}

    static boolean looksLikeElf(ByteBuffer head) {
        return head.remaining() >= 4 && head.get(0) == 0x7f && head.get(1) == 'E' && head.get(2) == 'L'
                && head.get(3) == 'F';
    }

    static Layout read(ImageFile f) {
        String where = f.path().toString();
        ByteBuffer eh = f.read(0, EHDR_SIZE, "ELF header");
        if (eh.get(4) != 2) throw ChirpException.corrupt(where + ": not ELF64 (EI_CLASS " + eh.get(4) + ")");
        if (eh.get(5) != 1) throw ChirpException.corrupt(where + ": not little-endian (EI_DATA " + eh.get(5) + ")");
        int type = Short.toUnsignedInt(eh.getShort(16));
        int machine = Short.toUnsignedInt(eh.getShort(18));
        if (type != ET_CORE) throw ChirpException.corrupt(where + ": ELF e_type " + type + " is not a core (4)");
        if (machine != EM_X86_64) throw ChirpException.corrupt(where + ": ELF e_machine " + machine + " is not x86-64");
        long phoff = eh.getLong(32);
        long shoff = eh.getLong(40);
        int phentsize = Short.toUnsignedInt(eh.getShort(54));
        long phnum = Short.toUnsignedInt(eh.getShort(56));
        if (phnum == PN_XNUM) {
            // more than 65534 program headers: the count lives in the first section header (gABI)
            phnum = Integer.toUnsignedLong(f.read(shoff, 64, "section header 0 (PN_XNUM)").getInt(44));
        }
        if (phentsize < PHDR_SIZE) throw ChirpException.corrupt(where + ": e_phentsize " + phentsize + " < 56");
        if (phnum > ImageFile.MAX_HEADER_BYTES / phentsize) {
            throw ChirpException.corrupt(where + ": e_phnum " + phnum + " is implausibly large");
        }
        ByteBuffer ph = f.read(phoff, phnum * phentsize, "ELF program headers");
        List<Segment> segments = new ArrayList<>();
        List<ElfNote> notes = new ArrayList<>();
        for (int i = 0; i < phnum; i++) {
            int p = i * phentsize;
            int ptype = ph.getInt(p);
            long offset = ph.getLong(p + 8);
            long paddr = ph.getLong(p + 24);
            long filesz = ph.getLong(p + 32);
            if (ptype == PT_LOAD && filesz != 0) {
                if (!f.contains(offset, filesz)) {
                    throw ChirpException.corrupt(where + ": PT_LOAD " + i + " (paddr 0x" + Long.toHexString(paddr)
                            + ", " + Long.toUnsignedString(filesz) + " bytes at 0x" + Long.toHexString(offset)
                            + ") extends beyond the end of the file (" + f.size() + " bytes): truncated image?");
                }
                // p_memsz > p_filesz would mean zero-filled RAM; QEMU never writes that, and we expose only what is stored
                segments.add(new Segment(paddr, offset, filesz, "load" + i));
            } else if (ptype == PT_NOTE && filesz != 0) {
                notes.addAll(ElfNote.parseAll(f.read(offset, filesz, "PT_NOTE " + i), where));
            }
        }
        return new Layout(segments, cpus(notes));
    }

    /**
     * {@return the vCPU states in a core's notes: NT_PRSTATUS ("CORE") and QEMU CPU state ("QEMU"), merged per vCPU}
     * Also the notes of a kdump-compressed image, which carries the same notes.
     */
    static List<CpuState> cpus(List<ElfNote> notes) {
        List<CpuState> prstatus = new ArrayList<>();
        List<CpuState> qemu = new ArrayList<>();
        for (ElfNote n : notes) {
            if (n.name().equals("CORE") && n.type() == ElfNote.NT_PRSTATUS) {
                prstatus.add(X86CoreNotes.decodePrstatus(prstatus.size(), n.descBuffer()));
            } else if (n.name().equals("QEMU")) {
                qemu.add(X86CoreNotes.decodeQemu(qemu.size(), n.descBuffer()));
            }
        }
        return cpus(prstatus, qemu);
    }

    /** Pairs the two notes of each vCPU (QEMU writes them in vCPU order); a lone kind is used as it is. */
    private static List<CpuState> cpus(List<CpuState> prstatus, List<CpuState> qemu) {
        if (qemu.isEmpty()) return prstatus;
        if (prstatus.size() != qemu.size()) return qemu;
        List<CpuState> out = new ArrayList<>(qemu.size());
        for (int i = 0; i < qemu.size(); i++) out.add(X86CoreNotes.merge(prstatus.get(i), qemu.get(i)));
        return out;
    }
}
