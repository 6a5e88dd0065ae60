package io.chirp.symbols.kernel;

import io.chirp.arch.Architecture;
import io.chirp.core.ChirpException;
import io.chirp.core.PhysicalMemory;
import io.chirp.core.VirtAddr;
import io.chirp.symbols.KernelSymbols;
import io.chirp.symbols.btf.BtfBlob;
import io.chirp.symbols.btf.BtfHeader;
import io.chirp.symbols.btf.BtfScanner;
import io.chirp.symbols.kallsyms.KallsymsReader;
import io.chirp.symbols.scan.PatternScanner;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Finds the kernel in guest-physical memory with no symbol file and no vCPU state: kallsyms gives the runtime
 * virtual addresses, the vmlinux BTF blob (which sits in the image at a known symbol) pins the physical base.
 * Each stage says which one failed.
 */
public final class KernelLocator {
    private static final Logger LOG = LoggerFactory.getLogger(KernelLocator.class);
    /** linux_banner is a few hundred bytes; a longer "string" is not the banner. */
    static final int MAX_BANNER = 1024;
    static final String BANNER_PREFIX = "Linux version ";

    private KernelLocator() {}

    /**
     * {@return what can be learned about the kernel in {@code memory}}
     *
     * @throws ChirpException NOT_FOUND or CORRUPT naming the stage (kallsyms, BTF, image cross-check) that failed
     */
    public static KernelInfo locate(PhysicalMemory memory) {
        return locate(memory, null);
    }

    /**
     * Like {@link #locate(PhysicalMemory)}, scanning {@code hint} first: a physical range that likely holds the
     * kernel image (derived from vCPU state). Only if the kernel is not found there is all of memory scanned.
     */
    public static KernelInfo locate(PhysicalMemory memory, io.chirp.core.MemoryRange hint) {
        try {
            return locateHinted(memory, hint);
        } catch (InternalError e) {
            // the parsers read zero-copy views: a RAM file that shrank under them faults there
            if (PhysicalMemory.isAccessFault(e)) throw memory.accessFault(e);
            throw e;
        }
    }

    private static KernelInfo locateHinted(PhysicalMemory memory, io.chirp.core.MemoryRange hint) {
        KernelCache cache = KernelCache.standard().orElse(null);
        if (cache != null) {
            KernelCache.Lookup l = cache.lookup(memory, hint);
            if (l instanceof KernelCache.Lookup.Hit hit) return hit.info();
            LOG.debug("kernel cache: {}", ((KernelCache.Lookup.Miss) l).reason());
        }
        Found found = discover(memory, hint);
        // a function-only kallsyms (arm64's Debian kernel) is found another way, with no BTF blob to key: not cached
        if (cache != null && found.btf() != null) cache.store(memory, found);
        return found.info();
    }

    /** Discovery by scanning: {@code hint} first, then all of memory. */
    static Found discover(PhysicalMemory memory, io.chirp.core.MemoryRange hint) {
        if (hint != null) {
            try {
                return locateIn(memory, new io.chirp.symbols.scan.Window(memory, hint.start(), hint.end()));
            } catch (ChirpException e) {
                // the hint was wrong or incomplete: fall back to the whole of memory
            }
        }
        try {
            return locateIn(memory, memory);
        } catch (ChirpException e) {
            throw withHoles(memory, e);
        }
    }

    /**
     * What discovery found, with the tables it was derived from (what {@link KernelCache} keeps and re-checks);
     * {@code btf} is null for a kernel found from a function-only kallsyms ({@link TextOnlyKallsyms}).
     */
    record Found(KernelInfo info, KallsymsReader.Kallsyms kallsyms, BtfScanner.VmlinuxBtf btf) {}

    /** Says how much of memory held data at all: "not found" in an image that is mostly holes reads differently. */
    private static ChirpException withHoles(PhysicalMemory memory, ChirpException e) {
        long backed = 0, data = 0;
        for (io.chirp.core.MemoryRange r : memory.ranges()) backed += r.size();
        for (io.chirp.core.MemoryRange r : memory.populated()) data += r.size();
        if (data >= backed) return e;
        String note = data == 0
                ? " (the memory holds no data at all: " + mib(backed) + " of holes, which read as zeros)"
                : " (only " + mib(data) + " of the " + mib(backed) + " hold data and were scanned: the rest are holes,"
                  + " which read as zeros)";
        return new ChirpException(e.kind(), e.getMessage() + note, e);
    }

    private static String mib(long bytes) { return (bytes >> 20) + " MiB"; }

    private static Found locateIn(PhysicalMemory memory, PhysicalMemory scanned) {
        long t0 = System.nanoTime();
        PatternScanner scanner = new PatternScanner();
        // Fast path: the kallsyms reader tries token-table anchors in address order and takes the first that
        // validates, so when the first anchor validates, scanning on (the rest of a guest's RAM) cannot change
        // the table; and the BTF blob then sits where the table says (below). Anything else: the full scan.
        KallsymsReader.Kallsyms kallsyms = null;
        BtfScanner.VmlinuxBtf btf = null;
        long[] first = scanner.find(scanned, KallsymsReader.anchorPattern(), 1);
        long t1 = System.nanoTime();
        try {
            kallsyms = new KallsymsReader().read(memory, first);
        } catch (ChirpException e) {
            // not the table: the full scan below tries every anchor
        }
        long t2 = System.nanoTime();
        if (kallsyms != null && textOnly(kallsyms)) return new Found(TextOnlyKallsyms.locate(memory, kallsyms, architecture(kallsyms.symbols())), kallsyms, null);
        if (kallsyms != null) btf = predictedBtf(memory, kallsyms);
        if (btf == null) {
            long[][] hits = scanner.find(scanned,
                    new byte[][] {KallsymsReader.anchorPattern(), BtfHeader.PREFIX}, 1024);
            t1 = System.nanoTime();
            if (kallsyms == null) kallsyms = new KallsymsReader().read(memory, hits[0]);
            if (textOnly(kallsyms)) return new Found(TextOnlyKallsyms.locate(memory, kallsyms, architecture(kallsyms.symbols())), kallsyms, null);
            t2 = System.nanoTime();
            btf = BtfScanner.vmlinux(memory, BtfScanner.find(memory, hits[1]));
        }
        long t3 = System.nanoTime();
        LOG.debug("kernel discovery: scan {} ms, kallsyms {} ms, BTF {} ms", (t1 - t0) / 1_000_000,
                (t2 - t1) / 1_000_000, (t3 - t2) / 1_000_000);
        return new Found(finish(memory, kallsyms, btf), kallsyms, btf);
    }

    /**
     * {@return the kernel described by a kallsyms table and the vmlinux BTF} Cross-checks both against the image
     * (_text, BTF size, 2 MiB alignment, the banner): the same checks whether they were found by a scan or taken
     * from {@link KernelCache}.
     */
    static KernelInfo finish(PhysicalMemory memory, KallsymsReader.Kallsyms kallsyms, BtfScanner.VmlinuxBtf btf) {
        KernelSymbols syms = kallsyms.symbols();
        long virtText = syms.address("_text");
        if (virtText != kallsyms.layout().baseValue()) {
            throw ChirpException.corrupt("kallsyms: _text 0x" + Long.toHexString(virtText)
                    + " differs from kallsyms_relative_base 0x" + Long.toHexString(kallsyms.layout().baseValue()));
        }
        long startBtf = syms.address("__start_BTF");
        long stopBtf = syms.address("__stop_BTF");
        if (stopBtf - startBtf != btf.blob().size()) {
            throw ChirpException.corrupt("BTF: blob of " + btf.blob().size() + " bytes does not match "
                    + "__stop_BTF - __start_BTF = " + (stopBtf - startBtf));
        }
        long physText = btf.blob().pa() - (startBtf - virtText);
        if (physText < 0 || (physText & 0x1fffff) != 0) {
            throw ChirpException.corrupt("image: physical _text 0x" + Long.toHexString(physText)
                    + " is not 2 MiB aligned; BTF blob is not the image's own copy");
        }
        long end = syms.lookup("_end").map(s -> s.address()).orElse(stopBtf);
        Architecture arch = architecture(syms);
        int vaBits = switch (arch.linux().linearMap()) {
            case Architecture.LinearMap.InGlobals g -> 47;
            case Architecture.LinearMap.FromVaBits f -> imageVaBits(virtText).stream().findFirst().orElse(48);
        };
        KernelInfo partial = new KernelInfo(virtText, physText, end, "", 0, 0, 0, 0, syms, btf.types(), btf.blob().pa(),
                arch, vaBits);

        String banner = banner(memory, partial.symbolPhys("linux_banner").value());
        long pgd = partial.symbolPhys(arch.linux().pageTableRoot()).value();
        long[] bases = switch (arch.linux().linearMap()) {
            case Architecture.LinearMap.InGlobals g -> new long[] {global(memory, partial, g.directMap()),
                    global(memory, partial, g.vmemmap()), global(memory, partial, g.vmalloc())};
            case Architecture.LinearMap.FromVaBits f -> linearMap(memory, partial, f);
        };
        return new KernelInfo(virtText, physText, end, banner, pgd, bases[0], bases[1], bases[2], syms, btf.types(),
                btf.blob().pa(), arch, vaBits);
    }

    /** {@return true if kallsyms lists functions only (built without CONFIG_KALLSYMS_ALL: no data symbols)} */
    private static boolean textOnly(KallsymsReader.Kallsyms k) {
        return k.symbols().lookup("__start_BTF").isEmpty() && k.symbols().lookup("linux_banner").isEmpty();
    }

    /**
     * {@return the architecture whose marker symbol kallsyms lists} Exactly one must: the table was decoded without
     * knowing the architecture, so this is where the kernel says which one it is built for.
     */
    static Architecture architecture(KernelSymbols syms) {
        List<Architecture> found = Architecture.all().stream()
                .filter(a -> syms.lookup(a.linux().marker()).isPresent()).toList();
        if (found.size() != 1) {
            throw ChirpException.corrupt("kallsyms: cannot tell the kernel's architecture (marker symbols of "
                    + (found.isEmpty() ? "none" : found) + " present; known: " + Architecture.all().stream()
                    .map(a -> a + " " + a.linux().marker()).toList() + ")");
        }
        return found.getFirst();
    }

    /**
     * {@return the VA sizes an AArch64 kernel whose image runs at {@code virtText} may have, most likely first} The
     * image lies in the upper half of the kernel's half (KASLR moves it by up to about half of that), so it only
     * bounds the size from below: 48 (Debian, most distributions), 52, then the smaller Android/embedded ones.
     */
    static List<Integer> imageVaBits(long virtText) {
        return java.util.stream.Stream.of(48, 52, 47, 42, 39, 36)
                .filter(b -> virtText < 0 && virtText >= -(1L << (b - 1))).toList();
    }

    /**
     * AArch64: the linear map and the struct page array from {@code memstart_addr} (the physical address the linear
     * map starts with); {@code kimage_voffset} (image VA minus PA) cross-checks the physical base BTF gave.
     */
    private static long[] linearMap(PhysicalMemory memory, KernelInfo k, Architecture.LinearMap.FromVaBits f) {
        long voffset = global(memory, k, "kimage_voffset");
        if (k.virtText() - voffset != k.physText()) {
            throw ChirpException.corrupt("image: kimage_voffset 0x" + Long.toHexString(voffset) + " puts _text at physical 0x"
                    + Long.toHexString(k.virtText() - voffset) + ", BTF at 0x" + Long.toHexString(k.physText()));
        }
        long memstart = global(memory, k, f.physOffset());
        if (memstart < 0 || memstart > k.physText() || (memstart & 0xfff) != 0) {
            throw ChirpException.corrupt("image: " + f.physOffset() + " 0x" + Long.toHexString(memstart)
                    + " is not a page-aligned physical address below the kernel's 0x" + Long.toHexString(k.physText()));
        }
        int pageShift = 12; // Debian's arm64 kernels; LinuxKernel checks the linear map against the page tables
        long structPage = k.types().struct("page").size();
        int va = k.vaBits();
        return new long[] {f.pageOffset(va) - memstart, f.vmemmapStart(va, pageShift) - (memstart >>> pageShift) * structPage,
                f.vmallocStart(va)};
    }

    /**
     * {@return the vmlinux BTF at the physical address kallsyms predicts, or null to fall back to a scan}
     * The kernel image is physically contiguous, so __start_BTF lies as far from the token table in physical
     * memory as in virtual. The blob found there is still checked like a scanned one (parse, size, alignment,
     * banner), so a guest cannot make us trust more than a scan would.
     */
    private static BtfScanner.VmlinuxBtf predictedBtf(PhysicalMemory memory, KallsymsReader.Kallsyms kallsyms) {
        var token = kallsyms.symbols().lookup("kallsyms_token_table");
        var start = kallsyms.symbols().lookup("__start_BTF");
        if (token.isEmpty() || start.isEmpty()) return null;
        long pa = kallsyms.layout().tokenTable() + (start.get().address() - token.get().address());
        if (pa < 0 || pa >= memory.limit()) return null;
        List<BtfBlob> blobs = BtfScanner.find(memory, new long[] {pa});
        if (blobs.isEmpty()) return null;
        try {
            return BtfScanner.vmlinux(memory, blobs);
        } catch (ChirpException e) {
            return null;
        }
    }

    private static long global(PhysicalMemory memory, KernelInfo k, String name) {
        return memory.readLong(k.kernelImagePhys(VirtAddr.of(k.symbols().address(name))).value());
    }

    /** Reads the banner and checks it is one: the image cross-check that both bases are right. */
    static String banner(PhysicalMemory memory, long pa) {
        int len = (int) Math.min(MAX_BANNER, memory.limit() - pa);
        byte[] b = memory.readBytes(pa, len);
        int n = 0;
        while (n < b.length && b[n] != 0) n++;
        if (n == b.length) throw ChirpException.corrupt("image: linux_banner at 0x" + Long.toHexString(pa) + " is unterminated");
        String s = new String(b, 0, n, StandardCharsets.ISO_8859_1);
        if (!s.startsWith(BANNER_PREFIX)) {
            throw ChirpException.corrupt("image: no banner at linux_banner (phys 0x" + Long.toHexString(pa)
                    + "): the physical base derived from BTF is wrong");
        }
        return s;
    }
}
