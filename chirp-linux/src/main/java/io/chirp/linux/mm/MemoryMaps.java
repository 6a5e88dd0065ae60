package io.chirp.linux.mm;

import io.chirp.core.ChirpException;
import io.chirp.linux.KernelFeatures;
import io.chirp.linux.KernelReader;
import io.chirp.linux.Layout;
import io.chirp.linux.LinuxKernel;
import io.chirp.linux.LinuxProcess;
import io.chirp.linux.Processes;
import io.chirp.linux.Walk;
import io.chirp.linux.fs.FileInfo;
import io.chirp.linux.fs.KernelFiles;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.IntPredicate;

/**
 * The memory maps of processes, as {@code /proc/PID/maps} shows them. The VMAs are found in the maple tree
 * {@code mm->mm_mt} (Linux 6.1+) or the {@code mm->mmap} list (older kernels), chosen once from BTF. Every VMA must
 * point back to its mm and the VMAs must be ordered and disjoint: entries that do not are left out and reported,
 * since a freed or foreign VMA would otherwise show up as a mapping.
 */
public final class MemoryMaps {
    /** The most VMAs read per process (Linux's default vm.max_map_count is 65530). */
    public static final int MAX_VMAS = 1 << 18;
    private static final long VM_READ = 1, VM_WRITE = 2, VM_EXEC = 4, VM_MAYSHARE = 0x80;

    /**
     * The maps of one process.
     *
     * @param pid      the process id
     * @param comm     the process name
     * @param maps     its mappings, by address
     * @param complete false if the VMA tree or list could not be read whole, or disagreed with mm->map_count
     * @param problems what kept it from being complete
     */
    public record Listing(int pid, String comm, List<MemoryMap> maps, boolean complete, List<String> problems) {
        public Listing {
            maps = List.copyOf(maps);
            problems = List.copyOf(problems);
        }
    }

    private final LinuxKernel k;
    private final KernelReader r;
    private final Processes processes;
    private final KernelFiles files;
    private final MapleTree maple;
    private final OptionalLong mmMt, mmMmap, vmNext;
    private final long mapCount, startBrk, brk, startStack;
    private final long vmStart, vmEnd, vmFlags, vmPgoff, vmFile, vmMm, vmOps, vmPrivate, specialName;
    private final long specialOps, gateVma;

    public MemoryMaps(LinuxKernel k) {
        this.k = k;
        this.r = k.reader();
        this.processes = new Processes(k);
        this.files = new KernelFiles(k);
        Layout l = k.layout();
        KernelFeatures.Vmas vmas = k.features().vmas();
        if (vmas == KernelFeatures.Vmas.NONE) {
            throw ChirpException.unavailable("this kernel has neither mm_struct.mm_mt nor mm_struct.mmap");
        }
        boolean tree = vmas == KernelFeatures.Vmas.MAPLE_TREE;
        mmMt = tree ? OptionalLong.of(l.offset("mm_struct", "mm_mt")) : OptionalLong.empty();
        mmMmap = tree ? OptionalLong.empty() : OptionalLong.of(l.offset("mm_struct", "mmap"));
        vmNext = tree ? OptionalLong.empty() : OptionalLong.of(l.offset("vm_area_struct", "vm_next"));
        maple = tree ? new MapleTree(k) : null;
        mapCount = l.offset("mm_struct", "map_count");
        startBrk = l.offset("mm_struct", "start_brk");
        brk = l.offset("mm_struct", "brk");
        startStack = l.offset("mm_struct", "start_stack");
        vmStart = l.offset("vm_area_struct", "vm_start");
        vmEnd = l.offset("vm_area_struct", "vm_end");
        vmFlags = l.offset("vm_area_struct", "vm_flags");
        vmPgoff = l.offset("vm_area_struct", "vm_pgoff");
        vmFile = l.offset("vm_area_struct", "vm_file");
        vmMm = l.offset("vm_area_struct", "vm_mm");
        vmOps = l.offset("vm_area_struct", "vm_ops");
        vmPrivate = l.offset("vm_area_struct", "vm_private_data");
        specialName = l.offset("vm_special_mapping", "name");
        specialOps = k.symbols().lookup("special_mapping_vmops").map(s -> s.address()).orElse(0L);
        gateVma = k.symbols().lookup("gate_vma").map(s -> s.address()).orElse(0L);
    }

    /** {@return the maps of every user process whose pid {@code wanted} accepts} */
    public List<Listing> list(IntPredicate wanted) {
        List<Listing> out = new ArrayList<>();
        Walk w = processes.allLeaders();
        List<String> problems = new ArrayList<>();
        if (!w.complete()) problems.add("task list incomplete: " + w.problem());
        for (long task : w.items()) {
            LinuxProcess p;
            try {
                p = processes.read(task, false);
            } catch (ChirpException e) {
                problems.add("task at 0x" + Long.toHexString(task) + " unreadable, left out: " + e.getMessage());
                continue;
            }
            if (!p.kernelThread() && p.mm() != 0 && wanted.test(p.pid())) out.add(of(p));
        }
        // Not one process's problem: a row of no process (pid -1) carries what kept the listing from being whole.
        if (!problems.isEmpty()) out.add(new Listing(-1, "", List.of(), false, problems));
        return out;
    }

    /** {@return the maps of one process} */
    public Listing of(LinuxProcess p) {
        List<String> problems = new ArrayList<>();
        if (p.mm() == 0) return new Listing(p.pid(), p.comm(), List.of(), true, problems);
        long mm = p.mm();
        List<Long> vmas = new ArrayList<>();
        if (maple != null) {
            Walk e = maple.entries(mm + mmMt.getAsLong(), MAX_VMAS);
            vmas.addAll(e.items());
            if (!e.complete()) problems.add("VMA tree: " + e.problem());
        } else {
            linkedList(mm, vmas, problems);
        }
        List<MemoryMap> maps = new ArrayList<>();
        long lastEnd = 0;
        for (long vma : vmas) {
            MemoryMap m;
            try {
                if (r.u64(vma + vmMm) != mm) {
                    problems.add("VMA at 0x" + Long.toHexString(vma) + " belongs to another mm: left out");
                    continue;
                }
                m = read(vma, mm, false);
            } catch (ChirpException e) {
                problems.add("VMA at 0x" + Long.toHexString(vma) + " unreadable: " + e.getMessage());
                continue;
            }
            if (Long.compareUnsigned(m.start(), m.end()) >= 0 || Long.compareUnsigned(m.start(), lastEnd) < 0) {
                problems.add("VMA at 0x" + Long.toHexString(vma) + " out of order or empty: left out");
                continue;
            }
            lastEnd = m.end();
            maps.add(m);
        }
        try {
            int count = r.u32(mm + mapCount);
            if (count != maps.size() && vmas.isEmpty()) {
                // exit_mmap empties the tree before map_count drops: the address space is being torn down
                problems.add("the address space is being torn down (process exiting): map_count " + count + ", no VMAs left");
            } else if (count != maps.size()) {
                problems.add("mm->map_count is " + count + " but " + maps.size() + " VMAs were read");
            }
        } catch (ChirpException e) {
            problems.add("map_count unreadable: " + e.getMessage());
        }
        boolean complete = problems.isEmpty();
        // Like /proc/PID/maps: the vsyscall page (gate VMA) is not in the tree but shown last.
        if (gateVma != 0 && vsyscallShown()) {
            try {
                MemoryMap gate = read(gateVma, mm, true);
                if (gate.start() != 0) maps.add(gate);
            } catch (ChirpException e) {
                problems.add("gate VMA unreadable: " + e.getMessage());
            }
        }
        return new Listing(p.pid(), p.comm(), maps, complete, problems);
    }

    /** get_gate_vma() is NULL when vsyscall=none (vsyscall_mode: EMULATE 0, XONLY 1, NONE 2). */
    private boolean vsyscallShown() {
        long mode = k.symbols().lookup("vsyscall_mode").map(s -> s.address()).orElse(0L);
        try {
            return mode == 0 || r.u32(mode) != 2;
        } catch (ChirpException e) {
            return true;
        }
    }

    /** The pre-6.1 VMA list: mm->mmap, then vma->vm_next until NULL. */
    private void linkedList(long mm, List<Long> vmas, List<String> problems) {
        Walk w;
        try {
            w = Walk.chain(r, r.u64(mm + mmMmap.getAsLong()), vmNext.getAsLong(), 0, p -> p == 0, MAX_VMAS);
        } catch (ChirpException e) {
            problems.add("VMA list unreadable: " + e.getMessage());
            return;
        }
        vmas.addAll(w.items());
        if (!w.complete()) problems.add("VMA list: " + w.problem());
    }

    private MemoryMap read(long vma, long mm, boolean gate) {
        List<String> problems = new ArrayList<>();
        long start = r.u64(vma + vmStart);
        long end = r.u64(vma + vmEnd);
        long flags = r.u64(vma + vmFlags);
        String perms = ((flags & VM_READ) != 0 ? "r" : "-") + ((flags & VM_WRITE) != 0 ? "w" : "-")
                + ((flags & VM_EXEC) != 0 ? "x" : "-") + ((flags & VM_MAYSHARE) != 0 ? "s" : "p");
        long file = r.u64(vma + vmFile);
        long offset = 0, inode = 0;
        String device = "00:00";
        String name = null;
        if (gate) {
            name = "[vsyscall]";
        } else if (file != 0) {
            FileInfo f = files.describe(file);
            problems.addAll(f.problems());
            name = f.name();
            inode = f.inode();
            device = f.deviceText();
            offset = r.u64(vma + vmPgoff) << 12;
        } else {
            name = anonymousName(vma, mm, start, end, problems);
        }
        return new MemoryMap(start, end, perms, offset, device, inode, name, vma, problems);
    }

    /** Names an anonymous VMA as show_map_vma does: special mappings by their own name, then heap and stack. */
    private String anonymousName(long vma, long mm, long start, long end, List<String> problems) {
        try {
            long ops = r.u64(vma + vmOps);
            if (ops != 0 && ops == specialOps) {
                long special = r.u64(vma + vmPrivate);
                return r.cstring(r.u64(special + specialName), 64);
            }
            if (Long.compareUnsigned(start, r.u64(mm + brk)) <= 0 && Long.compareUnsigned(end, r.u64(mm + startBrk)) >= 0) {
                return "[heap]";
            }
            long stack = r.u64(mm + startStack);
            if (Long.compareUnsigned(start, stack) <= 0 && Long.compareUnsigned(end, stack) >= 0) return "[stack]";
        } catch (ChirpException e) {
            problems.add("name: " + e.getMessage());
        }
        return null;
    }
}
