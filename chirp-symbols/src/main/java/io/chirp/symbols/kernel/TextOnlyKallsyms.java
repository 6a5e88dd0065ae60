package io.chirp.symbols.kernel;

import io.chirp.arch.Architecture;
import io.chirp.core.ChirpException;
import io.chirp.core.PhysAddr;
import io.chirp.core.PhysicalMemory;
import io.chirp.core.VirtAddr;
import io.chirp.paging.AddressSpace;
import io.chirp.paging.PagingMode;
import io.chirp.paging.TranslationResult;
import io.chirp.symbols.KernelSymbols;
import io.chirp.symbols.Symbol;
import io.chirp.symbols.btf.BtfHeader;
import io.chirp.symbols.btf.BtfScanner;
import io.chirp.symbols.kallsyms.KallsymsReader;
import io.chirp.symbols.scan.PatternScanner;
import io.chirp.symbols.scan.Window;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Discovery of an AArch64 kernel whose kallsyms lists functions only (Debian's arm64 kernels are built without
 * CONFIG_KALLSYMS_ALL: no {@code init_task}, {@code linux_banner}, {@code __start_BTF} or {@code swapper_pg_dir}).
 * Everything else comes from the image itself, each step checked against another:
 * <ol>
 *   <li>the export table ({@code __ksymtab}, {@code __ksymtab_gpl}: 12-byte entries of position-relative offsets,
 *       so they resolve to physical addresses without knowing the virtual ones) gives every exported symbol, data
 *       ones ({@code init_task}, {@code init_net}, {@code memstart_addr}, {@code kimage_voffset}) included;</li>
 *   <li>the exported functions kallsyms also lists give the image's virtual-minus-physical offset (all must
 *       agree), which the kernel's own {@code kimage_voffset} must equal; {@code _text} is the 2 MiB boundary
 *       below {@code _stext} (arm64 Images are placed on one, text_offset 0; the Image header there is not kept
 *       in memory at run time, so it cannot be used);</li>
 *   <li>{@code linux_banner} and the vmlinux BTF are found in the image by content; {@code swapper_pg_dir} is the
 *       image page that, as TTBR1's table, maps {@code _stext} and the linear map where they are.</li>
 * </ol>
 */
final class TextOnlyKallsyms {
    static final long MAX_IMAGE = 256L << 20;
    /** How far from the kallsyms tables the image may reach (Debian's arm64 image is about 40 MiB with BSS). */
    static final long WINDOW = 48L << 20;
    static final int MAX_EXPORTS = 64 << 10;
    /** The most copies of an anchor's name considered: the kernel has one; more are planted. */
    static final int MAX_ANCHOR_COPIES = 4096;

    private TextOnlyKallsyms() {}

    static KernelInfo locate(PhysicalMemory memory, KallsymsReader.Kallsyms kallsyms, Architecture arch) {
        if (!(arch.linux().linearMap() instanceof Architecture.LinearMap.FromVaBits f)) {
            throw ChirpException.corrupt("kallsyms lists no data symbols (a kernel built without CONFIG_KALLSYMS_ALL):"
                    + " supported on AArch64 only, this kernel is " + arch);
        }
        KernelSymbols text = kallsyms.symbols();
        long token = kallsyms.layout().tokenTable();
        // the image around its kallsyms tables: text below them, data and BSS above, tens of MiB each way
        long winStart = Math.max(0, (token - WINDOW) & ~0x1f_ffffL), winEnd = token + WINDOW;
        for (io.chirp.core.MemoryRange r : memory.ranges()) {
            if (r.start() <= token && token < r.end()) {
                winStart = Math.max(winStart, r.start());
                winEnd = Math.min(winEnd, r.end());
            }
        }
        byte[] img = memory.readBytes(winStart, (int) (winEnd - winStart));
        Map<String, Long> exported = exports(img, winStart);
        // exported functions are in kallsyms too: their VA - PA is the image's offset, the same for all
        Map<Long, Integer> votes = new HashMap<>();
        for (Map.Entry<String, Long> e : exported.entrySet()) {
            text.lookup(e.getKey()).ifPresent(s -> votes.merge(s.address() - e.getValue(), 1, Integer::sum));
        }
        Map.Entry<Long, Integer> best = votes.entrySet().stream().max(Map.Entry.comparingByValue())
                .orElseThrow(() -> ChirpException.corrupt("ksymtab: no exported function is also in kallsyms"));
        if (best.getValue() < 50 || best.getValue() < 0.95 * votes.values().stream().mapToInt(Integer::intValue).sum()) {
            throw ChirpException.corrupt("ksymtab: exported functions disagree on the image offset (" + votes.size()
                    + " offsets, the most common by " + best.getValue() + ")");
        }
        long voffset = best.getKey();
        Long kv = exported.get("kimage_voffset");
        if (kv == null || memory.readLong(kv) != voffset) {
            throw ChirpException.corrupt("image: kimage_voffset " + (kv == null ? "not exported"
                    : "0x" + Long.toHexString(memory.readLong(kv))) + ", the exports say 0x" + Long.toHexString(voffset));
        }
        // arm64 Images start on a 2 MiB boundary (text_offset 0) and _stext follows the 64 KiB head
        long stext = text.address("_stext");
        long physText = (stext - voffset) & ~0x1f_ffffL;
        long virtText = physText + voffset;
        if (physText < winStart) throw ChirpException.corrupt("image: _stext's physical 0x" + Long.toHexString(stext - voffset)
                + " lies below the memory around the kallsyms tables");
        long top = exported.values().stream().mapToLong(Long::longValue).max().orElse(physText);
        long imageSize = Math.min(winEnd, (top + 0x1_0000) & ~0xffffL) - physText;
        int from = (int) (physText - winStart);
        img = java.util.Arrays.copyOfRange(img, from, img.length);
        List<Symbol> all = new ArrayList<>(text.all());
        all.add(new Symbol("_text", virtText, 'T'));
        for (Map.Entry<String, Long> e : exported.entrySet()) {
            if (text.lookup(e.getKey()).isEmpty()) all.add(new Symbol(e.getKey(), e.getValue() + voffset, 'D'));
        }
        long banner = indexOfBanner(img);
        if (banner < 0) throw ChirpException.notFound("image: no \"Linux version \" banner in the image");
        all.add(new Symbol("linux_banner", virtText + banner, 'D'));

        long[] hits = new PatternScanner().find(new Window(memory, physText, winEnd), BtfHeader.PREFIX, 1024);
        BtfScanner.VmlinuxBtf btf = BtfScanner.vmlinux(memory, BtfScanner.find(memory, hits));
        all.add(new Symbol("__start_BTF", btf.blob().pa() + voffset, 'R'));
        all.add(new Symbol("__stop_BTF", btf.blob().pa() + btf.blob().size() + voffset, 'R'));

        long memstart = memory.readLong(requireExport(exported, f.physOffset()));
        int vaBits = 0;
        long pageOffsetBase = 0, pgd = -1;
        for (int bits : KernelLocator.imageVaBits(virtText)) { // the VA size is the one whose linear map works
            pageOffsetBase = f.pageOffset(bits) - memstart;
            pgd = swapper(memory, physText, winEnd - physText, bits, stext, stext - voffset, pageOffsetBase);
            vaBits = bits;
            if (pgd >= 0) break;
        }
        if (pgd < 0) throw ChirpException.notFound("image: no page of the image maps _stext and the linear map as TTBR1's"
                + " table would (VA sizes tried: " + KernelLocator.imageVaBits(virtText) + ")");
        imageSize = Math.max(imageSize, pgd + 4096 - physText);
        all.add(new Symbol("swapper_pg_dir", pgd + voffset, 'B'));
        // data the views need that is neither exported nor in kallsyms: from the code that takes its address
        long imageEndVa = virtText + imageSize;
        AddressSpace kernel = AddressSpace.ofHalves(memory, PagingMode.aarch64(12, vaBits, false), new PhysAddr(pgd),
                new PhysAddr(pgd));
        codeReference(memory, text, voffset, "find_module_all", virtText, imageEndVa, stext)
                .or(() -> codeReference(memory, text, voffset, "find_module", virtText, imageEndVa, stext))
                .flatMap(anchor -> listHeadNear(kernel, anchor))
                .ifPresent(a -> all.add(new Symbol("modules", a, 'd')));
        // sock_from_file is `file->f_op == &socket_file_ops ? file->private_data : NULL`
        codeReference(memory, text, voffset, "sock_from_file", virtText, imageEndVa, stext)
                .ifPresent(a -> all.add(new Symbol("socket_file_ops", a, 'r')));
        syscallTable(memory, text, voffset, virtText, imageEndVa, stext).ifPresent(t -> {
            all.add(new Symbol("sys_call_table", t[0], 'r'));
            all.add(new Symbol(SYS_CALL_TABLE_END, t[1], 'r'));
        });
        all.add(new Symbol("_end", virtText + imageSize, 'B'));
        KernelSymbols syms = KernelSymbols.of(all);
        String bannerText = KernelLocator.banner(memory, physText + banner);
        long structPage = btf.types().struct("page").size();
        return new KernelInfo(virtText, physText, virtText + imageSize, bannerText, pgd, pageOffsetBase,
                f.vmemmapStart(vaBits, 12) - (memstart >>> 12) * structPage, f.vmallocStart(vaBits), syms,
                btf.types(), btf.blob().pa(), arch, vaBits);
    }

    /**
     * {@return the first global (outside text, inside the image) function {@code fn}'s ADRP+ADD pairs address}
     * {@code find_module_all} walks the module list from its head, {@code modules}, and references nothing before it.
     */
    private static java.util.Optional<Long> codeReference(PhysicalMemory memory, KernelSymbols text, long voffset, String fn,
                                                         long imageStart, long imageEnd, long stext) {
        var s = text.lookup(fn);
        if (s.isEmpty()) return java.util.Optional.empty();
        long etext = text.lookup("_etext").map(Symbol::address).orElse(stext);
        byte[] code = memory.readBytes(s.get().address() - voffset, 256);
        for (long a : io.chirp.arch.Aarch64Decoder.adrpAddresses(code, s.get().address())) {
            boolean inText = Long.compareUnsigned(a, stext) >= 0 && Long.compareUnsigned(a, etext) < 0;
            if (!inText && Long.compareUnsigned(a, imageStart) >= 0 && Long.compareUnsigned(a, imageEnd) < 0) {
                return java.util.Optional.of(a);
            }
        }
        return java.util.Optional.empty();
    }

    /**
     * A name for the end of the discovered {@code sys_call_table} (Linux has none): the checks size the table by the
     * next symbol, and the next real one may be far away in a table of exported symbols only.
     */
    static final String SYS_CALL_TABLE_END = "sys_call_table.end[chirp]";

    /**
     * {@return sys_call_table's start and end} {@code do_el0_svc} passes it to {@code el0_svc_common}; its first
     * slot must hold {@code __arm64_sys_io_setup} (system call 0). The table runs on while its slots hold
     * {@code __arm64_sys_*} entry points, a few foreign slots in between (what a hook looks like) included.
     */
    private static java.util.Optional<long[]> syscallTable(PhysicalMemory memory, KernelSymbols text, long voffset,
                                                          long imageStart, long imageEnd, long stext) {
        var first = text.lookup("__arm64_sys_io_setup");
        if (first.isEmpty()) return java.util.Optional.empty();
        java.util.Set<Long> entries = new java.util.HashSet<>();
        for (Symbol s : text.all()) if (s.name().startsWith("__arm64_sys_")) entries.add(s.address());
        for (String fn : List.of("do_el0_svc", "el0_svc_common", "invoke_syscall")) {
            var f = text.lookup(fn);
            if (f.isEmpty()) continue;
            byte[] code = memory.readBytes(f.get().address() - voffset, 256);
            for (long a : io.chirp.arch.Aarch64Decoder.adrpAddresses(code, f.get().address())) {
                if (Long.compareUnsigned(a - imageStart, imageEnd - imageStart) >= 0) continue;
                if (memory.readLong(a - voffset) != first.get().address()) continue;
                int last = 0;
                for (int i = 1; i < 4096 && i - last <= 4; i++) if (entries.contains(memory.readLong(a - voffset + 8L * i))) last = i;
                if (last >= 100) return java.util.Optional.of(new long[] {a, a + 8L * (last + 1)});
            }
        }
        return java.util.Optional.empty();
    }

    /**
     * {@return the first list head at or up to 0x200 bytes above {@code anchor} whose neighbours point back at it}
     * GCC addresses globals of one section from a shared anchor ({@code adrp; add} to the anchor, then
     * {@code ldr x0, [x21, #0x50]!}), so the code gives a nearby address; the list's own links pin the head. An
     * empty list (next and prev at itself) counts only if nothing better is found.
     */
    private static java.util.Optional<Long> listHeadNear(AddressSpace kernel, long anchor) {
        Long empty = null;
        for (long h = anchor; h < anchor + 0x200; h += 8) {
            try {
                long next = kernel.readLong(new VirtAddr(h)), prev = kernel.readLong(new VirtAddr(h + 8));
                if (next >= 0 || prev >= 0) continue;
                if (next == h && prev == h) {
                    if (empty == null) empty = h;
                    continue;
                }
                if (kernel.readLong(new VirtAddr(next + 8)) == h && kernel.readLong(new VirtAddr(prev)) == h) {
                    return java.util.Optional.of(h);
                }
            } catch (ChirpException e) {
                // not mapped: not a list head
            }
        }
        return java.util.Optional.ofNullable(empty);
    }

    private static long requireExport(Map<String, Long> exported, String name) {
        Long pa = exported.get(name);
        if (pa == null) throw ChirpException.notFound("ksymtab: " + name + " is not exported");
        return pa;
    }

    /**
     * {@return every exported symbol's physical address} The export tables are found from the entries naming
     * {@code init_task} (EXPORT_SYMBOL) and {@code init_pid_ns} (EXPORT_SYMBOL_GPL), then walked both ways while
     * entries hold a name and a value inside the image.
     */
    static Map<String, Long> exports(byte[] img, long physBase) {
        Map<String, Long> out = new LinkedHashMap<>();
        for (String anchor : List.of("init_task", "init_pid_ns")) {
            byte[] pat = ("\0" + anchor + "\0").getBytes(StandardCharsets.US_ASCII);
            // Every copy of the name (the guest can plant many) is looked for in one pass over the image, not one
            // pass per copy: the cost stays linear in the image however many copies there are.
            Set<Integer> names = new HashSet<>();
            int min = Integer.MAX_VALUE, max = -1;
            for (int s = indexOf(img, pat, 0); s >= 0 && names.size() < MAX_ANCHOR_COPIES; s = indexOf(img, pat, s + 1)) {
                names.add(s + 1);
                min = Math.min(min, s + 1);
                max = Math.max(max, s + 1);
            }
            for (int e = 4; e + 8 <= img.length && !out.containsKey(anchor); e += 4) {
                int target = e + le32(img, e);
                if (target < min || target > max || !names.contains(target)) continue;
                int entry = e - 4;
                if (name(img, entry) == null || name(img, entry + 12) == null && name(img, entry - 12) == null) continue;
                int lo = entry;
                while (lo >= 12 && name(img, lo - 12) != null && out.size() < MAX_EXPORTS) lo -= 12;
                for (int i = lo; i + 12 <= img.length && out.size() < MAX_EXPORTS; i += 12) {
                    String n = name(img, i);
                    if (n == null) break;
                    out.putIfAbsent(n, physBase + i + le32(img, i));
                }
            }
            if (!out.containsKey(anchor)) throw ChirpException.notFound("ksymtab: no export entry names " + anchor);
        }
        return out;
    }

    /** {@return the name of the 12-byte export entry at {@code i} if it is one, else null} */
    private static String name(byte[] img, int i) {
        if (i < 0 || i + 12 > img.length) return null;
        long value = (long) i + le32(img, i);
        long name = (long) i + 4 + le32(img, i + 4);
        if (value < 0 || value >= img.length || name <= 0 || name >= img.length) return null; // names may be tail-merged
        int n = (int) name, end = n;
        while (end < img.length && end - n < 128 && img[end] != 0) {
            byte c = img[end];
            if (!(c == '_' || c == '.' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z')) return null;
            end++;
        }
        if (end == n || end >= img.length || img[end] != 0) return null;
        return new String(img, n, end - n, StandardCharsets.US_ASCII);
    }

    /** {@return where "Linux version " followed by a digit starts, or -1} */
    private static long indexOfBanner(byte[] img) {
        byte[] pat = KernelLocator.BANNER_PREFIX.getBytes(StandardCharsets.US_ASCII);
        for (int i = indexOf(img, pat, 0); i >= 0; i = indexOf(img, pat, i + 1)) {
            int d = i + pat.length;
            if (d < img.length && img[d] >= '0' && img[d] <= '9' && (i == 0 || img[i - 1] == 0)) return i;
        }
        return -1;
    }

    /**
     * {@return the physical address of swapper_pg_dir, -1 if none} The image page that, as a 4 KiB-granule TTBR1 table, maps
     * {@code _stext} to its physical address and the linear map's view of physical {@code _text} to it.
     */
    private static long swapper(PhysicalMemory memory, long physText, long size, int vaBits, long stext, long stextPa,
                                long pageOffsetBase) {
        PagingMode mode = PagingMode.aarch64(12, vaBits, false);
        int top = (int) ((stext >>> mode.levels().getFirst().shift()) & ((1L << mode.levels().getFirst().bits()) - 1));
        for (long q = physText; q < physText + size; q += 4096) {
            long e = memory.readLong(q + 8L * top);
            if ((e & 3) != 3) continue;
            AddressSpace as = AddressSpace.ofHalves(memory, mode, new PhysAddr(q), new PhysAddr(q));
            if (as.translate(new VirtAddr(stext)) instanceof TranslationResult.Mapped m && m.pa().value() == stextPa
                    && as.translate(new VirtAddr(pageOffsetBase + physText)) instanceof TranslationResult.Mapped l
                    && l.pa().value() == physText) {
                return q;
            }
        }
        return -1;
    }

    private static int le32(byte[] b, int o) {
        return (b[o] & 0xff) | (b[o + 1] & 0xff) << 8 | (b[o + 2] & 0xff) << 16 | (b[o + 3] & 0xff) << 24;
    }

    static int indexOf(byte[] hay, byte[] pat, int from) {
        outer:
        for (int i = Math.max(0, from); i + pat.length <= hay.length; i++) {
            if (hay[i] != pat[0]) continue;
            for (int j = 1; j < pat.length; j++) if (hay[i + j] != pat[j]) continue outer;
            return i;
        }
        return -1;
    }
}
