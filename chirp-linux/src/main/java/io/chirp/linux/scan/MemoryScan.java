package io.chirp.linux.scan;

import io.chirp.core.ChirpException;
import io.chirp.linux.LinuxKernel;
import io.chirp.linux.LinuxProcess;
import io.chirp.linux.ModuleInfo;
import io.chirp.linux.Modules;
import io.chirp.linux.mm.MemoryMap;
import io.chirp.linux.mm.MemoryMaps;
import io.chirp.linux.mm.ProcessCore;
import io.chirp.paging.AddressSpace;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * YARA over guest memory: each readable VMA of a process, or each module's memory, read whole (pages that are not
 * resident read as zeros) and scanned as one buffer, so a match's guest address is the region's start plus its
 * offset. A region larger than {@link #MAX_REGION} is scanned in its first MAX_REGION bytes and reported.
 */
public final class MemoryScan {
    /** The most bytes of one region scanned. */
    public static final long MAX_REGION = 256L << 20;

    /**
     * A match in guest memory.
     *
     * @param pid     the process (-1 for kernel memory)
     * @param comm    its name, or "kernel"
     * @param region  the VMA as a /proc/PID/maps line, or "module NAME"
     * @param address guest virtual address of the match
     * @param rule    rule identifier
     * @param string  string identifier
     */
    public record Hit(int pid, String comm, String region, long address, String rule, String string) {}

    /** Hits and what kept the scan from being whole. */
    public record Result(List<Hit> hits, List<String> problems) {
        public Result {
            hits = List.copyOf(hits);
            problems = List.copyOf(problems);
        }
    }

    private final LinuxKernel k;
    private final Yara yara;

    public MemoryScan(LinuxKernel k, Yara yara) {
        this.k = k;
        this.yara = yara;
    }

    /** {@return the matches in every readable VMA of {@code p}} */
    public Result process(LinuxProcess p) {
        List<Hit> hits = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        MemoryMaps.Listing l = new MemoryMaps(k).of(p);
        if (!l.complete()) problems.addAll(l.problems());
        AddressSpace as = k.userSpace(k.reader().u64(p.mm() + k.layout().offset("mm_struct", "pgd")));
        for (MemoryMap m : l.maps()) {
            if (m.perms().charAt(0) != 'r') continue;
            scan(as, m.start(), m.end(), p.pid(), p.comm(), m.procLine(), hits, problems);
        }
        return new Result(hits, problems);
    }

    /** {@return the matches in every module's memory} */
    public Result modules() {
        List<Hit> hits = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        Modules.Listing l = new Modules(k).list();
        if (!l.walk().complete()) problems.add("module list: " + l.walk().problem());
        for (ModuleInfo m : l.modules()) {
            if (m.size() == null || m.size() <= 0) {
                problems.add("module " + m.name() + ": size unknown, not scanned");
                continue;
            }
            long start = m.base() & -4096L, end = (m.base() + m.size() + 4095) & -4096L;
            scan(k.kernelSpace(), start, end, -1, "kernel", "module " + m.name(), hits, problems);
        }
        return new Result(hits, problems);
    }

    private void scan(AddressSpace as, long start, long end, int pid, String comm, String region, List<Hit> hits,
                      List<String> problems) {
        long len = end - start;
        if (Long.compareUnsigned(len, MAX_REGION) > 0) {
            problems.add(region + ": " + len + " bytes, only the first " + MAX_REGION + " scanned");
            end = start + MAX_REGION;
        }
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try {
            ProcessCore.copy(as, start, end, buf::write);
        } catch (ChirpException e) {
            problems.add(region + ": unreadable: " + e.getMessage());
            return;
        }
        Yara.Result r = yara.scan(buf.toByteArray());
        if (r.truncated()) problems.add(region + ": " + r.problem());
        for (Yara.Match m : r.matches()) hits.add(new Hit(pid, comm, region, start + m.offset(), m.rule(), m.string()));
    }
}
