package io.chirp.linux.integrity;

import io.chirp.core.ChirpException;
import io.chirp.core.VirtAddr;
import io.chirp.linux.KernelReader;
import io.chirp.linux.Layout;
import io.chirp.linux.LinuxKernel;
import io.chirp.linux.ModuleInfo;
import io.chirp.linux.Modules;
import io.chirp.linux.Walk;
import io.chirp.paging.TranslationResult;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Modules missing from the kernel's {@code modules} list (what lsmod and /proc/modules read, and what a rootkit
 * unlinks itself from) but present in other views:
 * <ul>
 *   <li><b>sysfs</b>: every module's kobject sits on {@code module_kset->list} (/sys/module); rootkits that only
 *       unlink from the module list stay here.</li>
 *   <li><b>carving</b>: every mapped page of the module area is scanned for a {@code struct module}; a candidate
 *       must point to itself through {@code mkobj.mod}, have a plausible name and state and sane list pointers.</li>
 * </ul>
 */
public final class HiddenModules {
    /** x86-64 module area (MODULES_VADDR .. MODULES_END), fixed whatever KASLR chose. */
    static final long MODULES_START = 0xffffffffc0000000L, MODULES_END = 0xffffffffff000000L;
    /** What list_del leaves in a removed entry (LIST_POISON1/2 with x86-64's POISON_POINTER_DELTA). */
    static final long POISON1 = 0xdead000000000100L, POISON2 = 0xdead000000000122L;
    /** Pages of the module area we scan at most (the whole area is ~258k pages; real kernels map a few thousand). */
    static final int MAX_PAGES = 1 << 16;
    private static final long PAGE = 4096, CHUNK = 2L << 20;

    private final LinuxKernel k;
    private final KernelReader r;
    private final Modules modules;
    private final long list, name, state, mkobj, mkobjMod;
    private final int nameSize = 56;

    public HiddenModules(LinuxKernel k) {
        this.k = k;
        this.r = k.reader();
        this.modules = new Modules(k);
        Layout l = k.layout();
        list = l.offset("module", "list");
        name = l.offset("module", "name");
        state = l.offset("module", "state");
        mkobj = l.offset("module", "mkobj");
        mkobjMod = l.offset("module_kobject", "mod");
    }

    /** Compares the module list with the sysfs view and with carved memory. */
    public IntegrityReport.Section check() {
        List<String> problems = new ArrayList<>();
        Walk listed = modules.addresses();
        if (!listed.complete()) problems.add("module list: " + listed.problem());
        Set<Long> inList = new HashSet<>(listed.items());
        Map<Long, List<String>> others = new LinkedHashMap<>();
        Walk sysfs = sysfsView();
        if (!sysfs.complete()) problems.add("sysfs view: " + sysfs.problem());
        for (long m : sysfs.items()) others.computeIfAbsent(m, x -> new ArrayList<>()).add("sysfs");
        Carve carved = carve();
        problems.addAll(carved.problems());
        for (long m : carved.modules()) others.computeIfAbsent(m, x -> new ArrayList<>()).add("memory");
        List<IntegrityFinding> findings = new ArrayList<>();
        for (Map.Entry<Long, List<String>> e : others.entrySet()) {
            if (inList.contains(e.getKey())) continue;
            long m = e.getKey();
            ModuleInfo info;
            try {
                info = modules.read(m);
            } catch (ChirpException ex) {
                problems.add("module at 0x" + Long.toHexString(m) + " unreadable: " + ex.getMessage());
                continue;
            }
            findings.add(new IntegrityFinding.HiddenModule(info.name(), m, info.state(), e.getValue(), linked(m)));
        }
        return new IntegrityReport.Section("hidden_modules", inList.size() + others.size(), findings,
                problems.isEmpty(), problems);
    }

    /** {@return the struct module of every module kobject in /sys/module (built-in ones, which have none, skipped)} */
    public Walk sysfsView() { return modules.sysfsView(); }

    /** Carved struct module candidates and what stopped the scan. */
    public record Carve(List<Long> modules, int pagesScanned, List<String> problems) {}

    /** Scans every mapped 4 KiB page of the module area for self-consistent struct module. */
    public Carve carve() {
        List<Long> found = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        int pages = 0;
        long backPtr = mkobj + mkobjMod;
        for (long chunk = MODULES_START; Long.compareUnsigned(chunk, MODULES_END) < 0; chunk += CHUNK) {
            // One translation tells whether the whole 2 MiB is unmapped at a higher level: skip it then.
            if (k.kernelSpace().translate(new VirtAddr(chunk)) instanceof TranslationResult.Fault f
                    && !f.level().equals("PT")) continue;
            for (long page = chunk; page < chunk + CHUNK; page += PAGE) {
                if (!(k.kernelSpace().translate(new VirtAddr(page)) instanceof TranslationResult.Mapped)) continue;
                if (++pages > MAX_PAGES) {
                    problems.add("carving stopped after " + MAX_PAGES + " mapped pages");
                    return new Carve(found, pages - 1, problems);
                }
                byte[] b;
                try {
                    b = r.bytes(page, (int) PAGE);
                } catch (ChirpException e) {
                    continue;
                }
                for (int off = 0; off < PAGE; off += 8) {
                    long cand = page + off;
                    long ptr = off + backPtr + 8 <= PAGE ? le64(b, (int) (off + backPtr)) : safeU64(cand + backPtr);
                    if (ptr == cand && plausible(cand)) found.add(cand);
                }
            }
        }
        return new Carve(found, pages, problems);
    }

    /** Name, state and list pointers must look like a real module's: the back-pointer alone could be chance. */
    private boolean plausible(long mod) {
        try {
            int st = r.u32(mod + state);
            if (st < 0 || st > 3) return false;
            byte[] n = r.bytes(mod + name, nameSize);
            int len = 0;
            while (len < n.length && n[len] != 0) {
                char c = (char) n[len];
                if (!(Character.isLetterOrDigit(c) && c < 128 || c == '_' || c == '-')) return false;
                len++;
            }
            if (len == 0 || len == n.length) return false;
            return pointerOk(r.u64(mod + list), mod + list) && pointerOk(r.u64(mod + list + 8), mod + list);
        } catch (ChirpException e) {
            return false;
        }
    }

    private static boolean pointerOk(long p, long self) {
        return p == self || p == POISON1 || p == POISON2 || Long.compareUnsigned(p, 0xffff800000000000L) >= 0;
    }

    /** {@return true if the neighbours still point back at this module (it was never unlinked)} */
    private boolean linked(long mod) {
        try {
            long next = r.u64(mod + list), prev = r.u64(mod + list + 8);
            return r.u64(next + 8) == mod + list && r.u64(prev) == mod + list;
        } catch (ChirpException e) {
            return false;
        }
    }

    private long safeU64(long va) {
        try {
            return r.u64(va);
        } catch (ChirpException e) {
            return 0;
        }
    }

    static long le64(byte[] b, int off) {
        long v = 0;
        for (int i = 7; i >= 0; i--) v = (v << 8) | (b[off + i] & 0xff);
        return v;
    }
}
