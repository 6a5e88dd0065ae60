package io.chirp.linux.mm;

import io.chirp.core.ChirpException;
import io.chirp.core.CpuState;
import io.chirp.core.VirtAddr;
import io.chirp.linux.KernelReader;
import io.chirp.linux.Layout;
import io.chirp.linux.LinuxKernel;
import io.chirp.linux.LinuxProcess;
import io.chirp.linux.Processes;
import io.chirp.linux.Walk;
import io.chirp.memory.ElfNote;
import io.chirp.memory.X86CoreNotes;
import io.chirp.paging.AddressSpace;
import io.chirp.paging.TranslationResult;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * A process's memory as an ELF core, the way Linux's own core dumps look to {@code gdb} and {@code readelf}:
 * ET_CORE, one PT_NOTE (per thread NT_PRSTATUS with the user registers the kernel saved on entry, NT_PRPSINFO,
 * NT_FILE naming every file-backed mapping), then one PT_LOAD per VMA at its virtual address. Readable VMAs carry
 * their bytes, read through the process's own page tables; pages that are not resident (never touched, swapped
 * out) are written as zeros and reported, per VMA. VMAs without read permission, and those past the size cap, get
 * a PT_LOAD without file bytes, as Linux does.
 */
public final class ProcessCore {
    private static final int EHDR = 64, PHDR = 56, PAGE = 4096, BATCH = 512;
    private static final int PT_LOAD = 1, PT_NOTE = 4, PF_X = 1, PF_W = 2, PF_R = 4;
    private static final int NT_PRPSINFO = 3, NT_FILE = 0x46494c45, PRPSINFO_SIZE = 136;
    /** THREAD_SIZE on x86-64 without KASAN: pt_regs sit at its top (TOP_OF_KERNEL_STACK_PADDING is 0). */
    private static final long THREAD_SIZE = 16 << 10;
    private static final long USER_CS = 0x33, USER_SS = 0x2b;

    /**
     * One VMA as written.
     *
     * @param map          the mapping
     * @param written      bytes of it in the core (0 if unreadable or past the cap)
     * @param nonResident  page ranges [first VA, end VA) written as zeros
     */
    public record Region(MemoryMap map, long written, List<long[]> nonResident) {
        public Region { nonResident = List.copyOf(nonResident); }

        /** {@return pages written as zeros} */
        public long nonResidentPages() { return nonResident.stream().mapToLong(r -> (r[1] - r[0]) / PAGE).sum(); }
    }

    /**
     * What the dump holds.
     *
     * @param regions  every VMA, in address order
     * @param threads  threads whose registers are in the core
     * @param problems what is missing and why (unreadable maps, registers, the cap)
     */
    public record Result(List<Region> regions, int threads, List<String> problems) {
        public Result {
            regions = List.copyOf(regions);
            problems = List.copyOf(problems);
        }

        public long nonResidentPages() { return regions.stream().mapToLong(Region::nonResidentPages).sum(); }
    }

    /** Receives the core's bytes in order. */
    @FunctionalInterface
    public interface Sink {
        void write(byte[] b, int off, int len);
    }

    private final LinuxKernel k;
    private final KernelReader r;
    private final Processes processes;
    private final MemoryMaps maps;
    private final long taskStack, mmPgd, threadFsbase;
    private final Map<String, Long> ptRegs = new LinkedHashMap<>();
    private final long ptRegsSize;

    public ProcessCore(LinuxKernel k) {
        this.k = k;
        this.r = k.reader();
        this.processes = new Processes(k);
        this.maps = new MemoryMaps(k);
        Layout l = k.layout();
        taskStack = l.offset("task_struct", "stack");
        mmPgd = l.offset("mm_struct", "pgd");
        threadFsbase = l.find("task_struct", "thread.fsbase").orElse(-1);
        for (String f : List.of("r15", "r14", "r13", "r12", "bp", "bx", "r11", "r10", "r9", "r8", "ax", "cx", "dx",
                "si", "di", "orig_ax", "ip", "cs", "flags", "sp", "ss")) {
            ptRegs.put(f, l.offset("pt_regs", f));
        }
        ptRegsSize = l.size("pt_regs");
    }

    /** {@return the maps a dump of {@code p} would write} */
    public MemoryMaps.Listing maps(LinuxProcess p) { return maps.of(p); }

    /** Writes the core of {@code p} to {@code out}; at most {@code maxData} bytes of VMA contents. */
    public Result write(LinuxProcess p, long maxData, Sink out) {
        if (p.mm() == 0 || p.kernelThread()) throw ChirpException.usage("pid " + p.pid() + " is a kernel thread: no user memory");
        List<String> problems = new ArrayList<>();
        MemoryMaps.Listing l = maps.of(p);
        if (!l.complete()) problems.addAll(l.problems());
        List<MemoryMap> vmas = l.maps();
        AddressSpace as = k.userSpace(r.u64(p.mm() + mmPgd));

        List<CpuState> regs = threadRegisters(p, problems);
        byte[] notes = notes(p, regs, vmas);
        long notesOffset = EHDR + (long) PHDR * (vmas.size() + 1);
        long dataOffset = align(notesOffset + notes.length);
        long[] filesz = new long[vmas.size()];
        long budget = maxData;
        for (int i = 0; i < vmas.size(); i++) {
            MemoryMap m = vmas.get(i);
            long size = m.end() - m.start();
            if (m.perms().charAt(0) != 'r') continue;
            if (size > budget) {
                problems.add("VMA " + hex(m.start()) + "-" + hex(m.end()) + " left out: past the size cap of " + maxData + " bytes");
                continue;
            }
            filesz[i] = size;
            budget -= size;
        }
        ByteBuffer h = ByteBuffer.allocate((int) dataOffset).order(ByteOrder.LITTLE_ENDIAN);
        h.put(new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1, 0});
        h.putShort(16, (short) 4).putShort(18, (short) 62).putInt(20, 1).putLong(32, EHDR)
                .putShort(52, (short) EHDR).putShort(54, (short) PHDR).putShort(56, (short) (vmas.size() + 1));
        h.putInt(EHDR, PT_NOTE).putLong(EHDR + 8, notesOffset).putLong(EHDR + 32, notes.length)
                .putLong(EHDR + 40, notes.length).putLong(EHDR + 48, 4);
        long offset = dataOffset;
        for (int i = 0; i < vmas.size(); i++) {
            MemoryMap m = vmas.get(i);
            int ph = EHDR + PHDR * (i + 1);
            int flags = (m.perms().charAt(0) == 'r' ? PF_R : 0) | (m.perms().charAt(1) == 'w' ? PF_W : 0)
                    | (m.perms().charAt(2) == 'x' ? PF_X : 0);
            h.putInt(ph, PT_LOAD).putInt(ph + 4, flags).putLong(ph + 8, filesz[i] == 0 ? 0 : offset)
                    .putLong(ph + 16, m.start()).putLong(ph + 24, 0).putLong(ph + 32, filesz[i])
                    .putLong(ph + 40, m.end() - m.start()).putLong(ph + 48, PAGE);
            offset += filesz[i];
        }
        h.put((int) notesOffset, notes);
        out.write(h.array(), 0, h.capacity());
        List<Region> regions = new ArrayList<>();
        for (int i = 0; i < vmas.size(); i++) {
            MemoryMap m = vmas.get(i);
            List<long[]> holes = filesz[i] == 0 ? List.of() : copy(as, m.start(), m.end(), out);
            regions.add(new Region(m, filesz[i], holes));
        }
        return new Result(regions, regs.size(), problems);
    }

    /** Copies [start, end) page by page; {@return the ranges that were not resident (written as zeros)} */
    public static List<long[]> copy(AddressSpace as, long start, long end, Sink out) {
        List<long[]> holes = new ArrayList<>();
        byte[] zero = new byte[PAGE];
        for (long batch = start; batch < end; batch += (long) BATCH * PAGE) {
            List<VirtAddr> vas = new ArrayList<>();
            for (long va = batch; va < end && va < batch + (long) BATCH * PAGE; va += PAGE) vas.add(new VirtAddr(va));
            List<TranslationResult> tr = as.translateAll(vas);
            for (int i = 0; i < vas.size(); i++) {
                long va = vas.get(i).value();
                byte[] page = null;
                if (tr.get(i) instanceof TranslationResult.Mapped m) {
                    try {
                        page = as.memory().readBytes(m.pa().value(), PAGE);
                    } catch (ChirpException e) {
                        page = null; // mapped to no RAM (a device page): not process memory we can show
                    }
                }
                if (page == null) {
                    if (!holes.isEmpty() && holes.getLast()[1] == va) holes.getLast()[1] = va + PAGE;
                    else holes.add(new long[] {va, va + PAGE});
                    out.write(zero, 0, PAGE);
                } else {
                    out.write(page, 0, PAGE);
                }
            }
        }
        return holes;
    }

    /**
     * A mapped file rebuilt from its VMAs: each VMA's bytes at its file offset (so the ELF headers and segments land
     * where they are in the file), zeros between them. What it holds is memory, not the disk: a private writable
     * mapping (.data) shows the process's changes, and the tail of a file past its last mapped page is not there.
     *
     * @param mapped the VMAs of one file (same inode and name)
     * @return the ranges of the rebuilt file, as [first file offset, end) pairs, that were not resident or not mapped
     */
    public static List<long[]> rebuild(AddressSpace as, List<MemoryMap> mapped, long maxBytes, Sink out) {
        List<MemoryMap> byOffset = new ArrayList<>(mapped);
        byOffset.sort(java.util.Comparator.comparingLong(MemoryMap::offset));
        List<long[]> missing = new ArrayList<>();
        byte[] zero = new byte[PAGE];
        long pos = 0;
        for (MemoryMap m : byOffset) {
            long len = m.end() - m.start();
            if (m.offset() < pos || m.offset() + len > maxBytes) continue; // overlaps an earlier VMA, or past the cap
            if (m.offset() > pos) {
                missing.add(new long[] {pos, m.offset()});
                for (long z = pos; z < m.offset(); z += PAGE) out.write(zero, 0, (int) Math.min(PAGE, m.offset() - z));
            }
            long base = m.offset() - m.start();
            for (long[] h : copy(as, m.start(), m.end(), out)) missing.add(new long[] {h[0] + base, h[1] + base});
            pos = m.offset() + len;
        }
        return missing;
    }

    /**
     * The user registers of every thread, from the pt_regs the kernel saved at the top of each task's stack. A
     * frame whose segment selectors are not the user ones is not a user frame (a guest writing, a kernel thread),
     * and is left out with a note rather than shown as registers.
     */
    private List<CpuState> threadRegisters(LinuxProcess p, List<String> problems) {
        List<CpuState> out = new ArrayList<>();
        Walk threads = processes.threads(p.task());
        if (!threads.complete()) problems.add("thread list: " + threads.problem());
        List<Long> tasks = new ArrayList<>(threads.items());
        if (!tasks.contains(p.task())) tasks.addFirst(p.task());
        else { tasks.remove(p.task()); tasks.addFirst(p.task()); } // the leader first: gdb's current thread
        for (long task : tasks) {
            try {
                long regs = r.u64(task + taskStack) + THREAD_SIZE - ptRegsSize;
                byte[] b = r.bytes(regs, (int) ptRegsSize);
                ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
                Map<String, Long> v = new LinkedHashMap<>();
                for (Map.Entry<String, Long> e : ptRegs.entrySet()) v.put(e.getKey(), bb.getLong((int) (long) e.getValue()));
                if (v.get("cs") != USER_CS || v.get("ss") != USER_SS) {
                    problems.add("task " + hex(task) + ": no user register frame (cs " + hex(v.get("cs")) + ")");
                    continue;
                }
                Map<String, Long> regsOut = new LinkedHashMap<>();
                for (String f : List.of("r15", "r14", "r13", "r12", "r11", "r10", "r9", "r8")) regsOut.put(f, v.get(f));
                regsOut.put("rbp", v.get("bp"));
                regsOut.put("rbx", v.get("bx"));
                regsOut.put("rax", v.get("ax"));
                regsOut.put("rcx", v.get("cx"));
                regsOut.put("rdx", v.get("dx"));
                regsOut.put("rsi", v.get("si"));
                regsOut.put("rdi", v.get("di"));
                regsOut.put("orig_rax", v.get("orig_ax"));
                regsOut.put("cs", v.get("cs"));
                regsOut.put("rsp", v.get("sp"));
                regsOut.put("ss", v.get("ss"));
                OptionalLong fs = OptionalLong.empty();
                if (threadFsbase >= 0) fs = OptionalLong.of(r.u64(task + threadFsbase));
                int tid = r.u32(task + k.layout().offset("task_struct", "pid"));
                out.add(new CpuState(out.size(), regsOut, v.get("ip"), v.get("flags"), fs, OptionalLong.empty(),
                        OptionalLong.empty(), OptionalLong.empty(), OptionalLong.empty(), OptionalLong.empty(),
                        OptionalLong.empty(), OptionalLong.empty(), "pt_regs:" + tid));
            } catch (ChirpException e) {
                problems.add("task " + hex(task) + " registers: " + e.getMessage());
            }
        }
        return out;
    }

    private static byte[] notes(LinuxProcess p, List<CpuState> regs, List<MemoryMap> vmas) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < regs.size(); i++) {
            CpuState c = regs.get(i);
            int tid = Integer.parseInt(c.source().substring("pt_regs:".length()));
            out.writeBytes(new ElfNote("CORE", ElfNote.NT_PRSTATUS, X86CoreNotes.encodePrstatus(c, tid)).encode());
            if (i == 0) {
                out.writeBytes(new ElfNote("CORE", NT_PRPSINFO, prpsinfo(p)).encode());
                out.writeBytes(new ElfNote("CORE", NT_FILE, ntFile(vmas)).encode());
            }
        }
        if (regs.isEmpty()) {
            out.writeBytes(new ElfNote("CORE", NT_PRPSINFO, prpsinfo(p)).encode());
            out.writeBytes(new ElfNote("CORE", NT_FILE, ntFile(vmas)).encode());
        }
        return out.toByteArray();
    }

    /** struct elf_prpsinfo (x86-64): state, names, ids, and the first 80 bytes of the command line. */
    private static byte[] prpsinfo(LinuxProcess p) {
        ByteBuffer b = ByteBuffer.allocate(PRPSINFO_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        String st = p.state() == null ? "?" : p.state();
        b.put(0, (byte) "RSDTZW".indexOf(st.charAt(0))).put(1, (byte) st.charAt(0));
        b.putInt(16, p.uid() == null ? 0 : p.uid()).putInt(20, p.gid() == null ? 0 : p.gid());
        b.putInt(24, p.pid()).putInt(28, p.ppid()).putInt(32, p.tgid()).putInt(36, p.tgid());
        byte[] fname = p.comm().getBytes(StandardCharsets.UTF_8);
        b.put(40, fname, 0, Math.min(15, fname.length));
        byte[] args = (p.cmdline() == null ? p.comm() : p.cmdline()).getBytes(StandardCharsets.UTF_8);
        b.put(56, args, 0, Math.min(79, args.length));
        return b.array();
    }

    /** NT_FILE: count, page size, then (start, end, offset in pages) per file mapping, then the names. */
    private static byte[] ntFile(List<MemoryMap> vmas) {
        List<MemoryMap> files = vmas.stream().filter(m -> m.inode() != 0 && m.name() != null).toList();
        ByteArrayOutputStream names = new ByteArrayOutputStream();
        ByteBuffer b = ByteBuffer.allocate(16 + 24 * files.size()).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(files.size()).putLong(PAGE);
        for (MemoryMap m : files) {
            b.putLong(m.start()).putLong(m.end()).putLong(m.offset() / PAGE);
            names.writeBytes(m.name().getBytes(StandardCharsets.UTF_8));
            names.write(0);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(b.array());
        out.writeBytes(names.toByteArray());
        return out.toByteArray();
    }

    private static long align(long n) { return (n + PAGE - 1) & -PAGE; }

    private static String hex(long v) { return "0x" + Long.toHexString(v); }
}
