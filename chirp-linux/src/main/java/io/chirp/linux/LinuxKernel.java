package io.chirp.linux;

import io.chirp.core.ChirpException;
import io.chirp.core.CpuState;
import io.chirp.core.PhysAddr;
import io.chirp.core.PhysicalMemory;
import io.chirp.core.VirtAddr;
import io.chirp.paging.AddressSpace;
import io.chirp.paging.PagingMode;
import io.chirp.paging.TranslationResult;
import io.chirp.symbols.KernelSymbols;
import io.chirp.symbols.kernel.KernelInfo;
import io.chirp.symbols.kernel.KernelLocator;
import io.chirp.symbols.types.TypeModel;

import java.util.List;

/**
 * A Linux kernel found in guest memory, attached once: where it is (KASLR), its symbols and types, its page
 * tables, and the structure layout the walkers use. Attaching needs no symbol file and no configuration.
 * For a live guest, the attachment stays valid while the guest runs; only the walks are repeated.
 */
public final class LinuxKernel {
    private final PhysicalMemory memory;
    private final KernelInfo info;
    private final AddressSpace kernelSpace;
    private final KernelReader reader;
    private final Layout layout;
    private final KernelFeatures features;

    private LinuxKernel(PhysicalMemory memory, KernelInfo info, AddressSpace kernelSpace) {
        this.memory = memory;
        this.info = info;
        this.kernelSpace = kernelSpace;
        this.reader = new KernelReader(kernelSpace);
        this.layout = new Layout(info.types());
        this.features = KernelFeatures.resolve(layout, info.symbols());
    }

    /**
     * Finds the kernel in {@code memory}. vCPU state, when there is some, picks the paging mode (LA57);
     * without it, the mode is the one under which the kernel's own page tables map {@code _text} correctly.
     */
    public static LinuxKernel attach(PhysicalMemory memory, List<CpuState> cpus) {
        KernelInfo info = KernelLocator.locate(memory, kernelHint(memory, cpus));
        List<PagingMode> modes = List.of(PagingMode.X86_64, PagingMode.X86_64_LA57);
        for (CpuState c : cpus) {
            if (c.cr4().isPresent() && (c.cr4().getAsLong() & (1L << 12)) != 0) {
                modes = List.of(PagingMode.X86_64_LA57);
            }
        }
        for (PagingMode mode : modes) {
            AddressSpace as = AddressSpace.of(memory, mode, new PhysAddr(info.initTopPgt()));
            if (as.translate(new VirtAddr(info.virtText())) instanceof TranslationResult.Mapped m
                    && m.pa().value() == info.physText()) {
                return new LinuxKernel(memory, info, as);
            }
        }
        throw ChirpException.corrupt("the kernel's page tables (init_top_pgt at 0x" + Long.toHexString(info.initTopPgt())
                + ") do not map _text to its physical address: memory inconsistent or not x86-64");
    }

    /**
     * Where the kernel image probably is, from vCPU state: the handler of interrupt vector 0 (the IDT is always
     * mapped) or a kernel-mode RIP, translated through the vCPU's own page tables. The image spans tens of MiB
     * around its code, so scanning that window first spares a scan of all of RAM. Null when nothing fits.
     */
    static io.chirp.core.MemoryRange kernelHint(PhysicalMemory memory, List<CpuState> cpus) {
        for (CpuState c : cpus) {
            if (c.cr3().isEmpty() || c.cr0().isEmpty() || c.cr4().isEmpty()) continue;
            try {
                AddressSpace as = io.chirp.arch.X86_64.INSTANCE.kernelSpace(memory, c);
                long code = 0;
                Long idt = c.registers().get("idt_base");
                if (idt != null && idt < 0) {
                    byte[] gate = as.read(new VirtAddr(idt), 16);
                    java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(gate).order(java.nio.ByteOrder.LITTLE_ENDIAN);
                    code = (b.getShort(0) & 0xffffL) | ((b.getShort(6) & 0xffffL) << 16) | ((b.getInt(8) & 0xffffffffL) << 32);
                }
                if (code >= 0 && c.rip() < 0) code = c.rip();
                if (code >= 0) continue;
                if (as.translate(new VirtAddr(code)) instanceof TranslationResult.Mapped m) {
                    long pa = m.pa().value();
                    // text comes first in the image, then rodata (kallsyms) and BTF: 40 MiB before, 64 MiB after
                    long start = Math.max(0, (pa - (40L << 20)) & ~0x1fffffL);
                    return new io.chirp.core.MemoryRange(start, pa + (64L << 20), "kernel image (from vCPU state)");
                }
            } catch (ChirpException e) {
                // this vCPU's state does not lead to the kernel: try the next, or scan everything
            }
        }
        return startupSignature(memory);
    }

    /**
     * Without vCPU state: x86-64 kernels are loaded at a 2 MiB boundary and start with startup_64, whose first
     * instructions (Linux 5.x and 6.x) are {@code lea rsp,[rip+X]; lea rdi,[rip-14]} (the second loads _text
     * itself). Probing one spot per 2 MiB finds it in microseconds; a kernel built otherwise is still found by
     * the full scan this only shortcuts.
     */
    private static io.chirp.core.MemoryRange startupSignature(PhysicalMemory memory) {
        memory.scatteredReads(true);
        try {
            return probeStartup(memory);
        } finally {
            memory.scatteredReads(false);
        }
    }

    private static io.chirp.core.MemoryRange probeStartup(PhysicalMemory memory) {
        byte[] second = {0x48, (byte) 0x8d, 0x3d, (byte) 0xf2, (byte) 0xff, (byte) 0xff, (byte) 0xff};
        for (io.chirp.core.MemoryRange r : memory.populated()) { // holes are zeros: no startup_64 there
            for (long p = (r.start() + 0x1fffff) & ~0x1fffffL; p + 16 <= r.end(); p += 0x200000) {
                byte[] b = probe(memory, p, Math.min(0x200000, r.end() - p));
                if (b[0] != 0x48 || b[1] != (byte) 0x8d || b[2] != 0x25) continue;
                if (java.util.Arrays.equals(b, 7, 14, second, 0, 7)) {
                    return new io.chirp.core.MemoryRange(p, p + (64L << 20), "kernel image (startup_64 signature)");
                }
            }
        }
        return null;
    }

    /**
     * {@return the first 14 bytes at {@code pa}} A fault on a mapped file brings in a whole read-ahead window (up to
     * 2 MiB folios on current kernels) and maps it: one probe per 2 MiB of a 64 GiB image once left 12 GB resident.
     * The {@code span} after the probe is dropped from this process's resident set again (the page cache keeps it).
     */
    private static byte[] probe(PhysicalMemory memory, long pa, long span) {
        java.lang.foreign.MemorySegment v = memory.view(pa, span);
        if (v == null) return memory.readBytes(pa, 14);
        try {
            byte[] b = v.asSlice(0, 14).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
            if (v.isMapped()) v.unload();
            return b;
        } catch (InternalError e) {
            if (PhysicalMemory.isAccessFault(e)) throw memory.accessFault(e);
            throw e;
        }
    }

    public PhysicalMemory memory() { return memory; }

    /** {@return what discovery found: KASLR slides, banner, bases} */
    public KernelInfo info() { return info; }

    public KernelSymbols symbols() { return info.symbols(); }

    public TypeModel types() { return info.types(); }

    /** {@return the kernel's address space (init_top_pgt: valid whatever process or KPTI half a vCPU is in)} */
    public AddressSpace kernelSpace() { return kernelSpace; }

    /** {@return bounded reads of kernel virtual memory} */
    public KernelReader reader() { return reader; }

    /** {@return structure offsets, resolved from BTF} */
    public Layout layout() { return layout; }

    /** {@return which variant of each build difference this kernel has, resolved once at attach} */
    public KernelFeatures features() { return features; }

    /** {@return the address of a kernel symbol} */
    public long symbol(String name) { return info.symbols().address(name); }

    /**
     * {@return the address space of a process} {@code pgdVa} is {@code mm->pgd}, a direct-map address.
     * The kernel half of every PGD is shared, so this space reads kernel memory too.
     */
    public AddressSpace userSpace(long pgdVa) {
        long pa = directMapPhys(pgdVa);
        return AddressSpace.of(memory, kernelSpace.mode(), new PhysAddr(pa));
    }

    /** {@return the physical address of a direct-map (page_offset_base) kernel address} */
    public long directMapPhys(long va) {
        long pa = va - info.pageOffsetBase();
        if (pa < 0 || !memory.isBacked(pa, 1)) {
            throw ChirpException.corrupt("0x" + Long.toHexString(va) + " is not a direct-map address of this guest");
        }
        return pa;
    }

    /** {@return true if {@code va} lies in the core kernel's text} */
    public boolean inKernelText(long va) {
        long s = info.symbols().lookup("_stext").map(io.chirp.symbols.Symbol::address).orElse(info.virtText());
        long e = info.symbols().lookup("_etext").map(io.chirp.symbols.Symbol::address).orElse(info.imageEnd());
        return Long.compareUnsigned(va, s) >= 0 && Long.compareUnsigned(va, e) < 0;
    }
}
