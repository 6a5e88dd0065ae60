package io.chirp.linux;

import io.chirp.arch.Aarch64;
import io.chirp.arch.Architecture;
import io.chirp.core.Aarch64CpuState;
import io.chirp.core.ChirpException;
import io.chirp.core.CpuState;
import io.chirp.core.VcpuState;
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
     * Finds the kernel in {@code memory}. The architecture is the kernel's own (its kallsyms say it) and must agree
     * with the vCPUs'. vCPU state, when there is some, picks the paging mode (x86 LA57, AArch64's TCR_EL1); without
     * it, the mode is the one under which the kernel's own page tables map {@code _text} correctly.
     */
    public static LinuxKernel attach(PhysicalMemory memory, List<? extends VcpuState> cpus) {
        KernelInfo info = KernelLocator.locate(memory, kernelHint(memory, cpus));
        Architecture arch = info.arch();
        for (VcpuState c : cpus) {
            if (Architecture.of(c) != arch) {
                throw ChirpException.corrupt("the kernel in memory is built for " + arch + " but vCPU " + c.vcpu()
                        + " is " + Architecture.of(c) + " (" + c.source() + ")");
            }
        }
        List<PagingMode> modes = switch (arch) {
            case io.chirp.arch.X86_64 x -> x86Modes(cpus);
            case Aarch64 a -> aarch64Modes(cpus, info);
        };
        // _stext, not _text: arm64 does not map the 64 KiB head between them
        long probe = info.symbols().lookup("_stext").map(io.chirp.symbols.Symbol::address).orElse(info.virtText());
        for (PagingMode mode : modes) {
            AddressSpace as = kernelSpace(memory, arch, mode, info);
            if (as.translate(new VirtAddr(probe)) instanceof TranslationResult.Mapped m
                    && m.pa().value() == info.physText() + (probe - info.virtText())) {
                LinuxKernel k = new LinuxKernel(memory, info, as);
                k.checkDirectMap();
                return k;
            }
        }
        throw ChirpException.corrupt("the kernel's page tables (" + arch.linux().pageTableRoot() + " at 0x"
                + Long.toHexString(info.initTopPgt()) + ") do not map _stext to its physical address in any of " + modes
                + ": memory inconsistent");
    }

    private static List<PagingMode> x86Modes(List<? extends VcpuState> cpus) {
        for (VcpuState v : cpus) {
            if (v instanceof CpuState c && c.cr4().isPresent() && (c.cr4().getAsLong() & (1L << 12)) != 0) {
                return List.of(PagingMode.X86_64_LA57);
            }
        }
        return List.of(PagingMode.X86_64, PagingMode.X86_64_LA57);
    }

    /** TTBR1's format from TCR_EL1 when a vCPU has it; otherwise the 4 KiB modes of the kernel's own VA size. */
    private static List<PagingMode> aarch64Modes(List<? extends VcpuState> cpus, KernelInfo info) {
        for (VcpuState v : cpus) {
            if (v instanceof Aarch64CpuState a && a.tcr().isPresent()) return List.of(PagingMode.fromTcr(a.tcr().getAsLong(), true));
        }
        return Aarch64.INSTANCE.kernelModes().stream().filter(m -> m.vaBits() >= info.vaBits()).toList();
    }

    /**
     * The kernel's own address space: x86-64's init_top_pgt serves both halves (its user half is empty); AArch64's
     * swapper_pg_dir is TTBR1's table only, and the lower half gets {@code reserved_pg_dir} (all invalid, what the
     * kernel itself loads into TTBR0 when no user space is wanted), or none at all.
     */
    private static AddressSpace kernelSpace(PhysicalMemory memory, Architecture arch, PagingMode mode, KernelInfo info) {
        PhysAddr root = new PhysAddr(info.initTopPgt());
        return switch (arch) {
            case io.chirp.arch.X86_64 x -> AddressSpace.of(memory, mode, root);
            case Aarch64 a -> AddressSpace.ofHalves(memory, mode, info.symbols().lookup("reserved_pg_dir")
                    .filter(s -> info.inImage(s.address()))
                    .map(s -> info.symbolPhys("reserved_pg_dir")).orElse(root), root);
        };
    }

    /** The direct map must map a known physical address (the kernel's own _text) to itself: pageOffsetBase is right. */
    private void checkDirectMap() {
        long va = info.pageOffsetBase() + info.physText();
        if (!(kernelSpace.translate(new VirtAddr(va)) instanceof TranslationResult.Mapped m) || m.pa().value() != info.physText()) {
            throw ChirpException.corrupt("the direct map (physical 0 at 0x" + Long.toHexString(info.pageOffsetBase())
                    + ") does not map the kernel's physical 0x" + Long.toHexString(info.physText()) + " at 0x"
                    + Long.toHexString(va) + ": wrong linear-map base for this " + info.arch() + " kernel");
        }
    }

    /**
     * Where the kernel image probably is, from vCPU state: the handler of interrupt vector 0 (the IDT is always
     * mapped) or a kernel-mode RIP (AArch64: VBAR_EL1, the vectors inside the kernel's text, or a kernel PC),
     * translated through the vCPU's own page tables. The image spans tens of MiB around its code, so scanning that
     * window first spares a scan of all of RAM. Null when nothing fits.
     */
    static io.chirp.core.MemoryRange kernelHint(PhysicalMemory memory, List<? extends VcpuState> cpus) {
        for (VcpuState v : cpus) {
            long code = switch (v) {
                case CpuState c -> x86Code(memory, c);
                case Aarch64CpuState a -> a.vbar().orElse(a.pc() < 0 ? a.pc() : 0);
            };
            if (code >= 0) continue;
            try {
                AddressSpace as = Architecture.of(v).kernelSpace(memory, v);
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

    /** {@return an x86 vCPU's kernel code address (vector 0's handler, else a kernel RIP), or 0} */
    private static long x86Code(PhysicalMemory memory, CpuState c) {
        if (c.cr3().isEmpty() || c.cr0().isEmpty() || c.cr4().isEmpty()) return 0;
        long code = 0;
        Long idt = c.registers().get("idt_base");
        if (idt != null && idt < 0) {
            try {
                AddressSpace as = io.chirp.arch.X86_64.INSTANCE.kernelSpace(memory, c);
                byte[] gate = as.read(new VirtAddr(idt), 16);
                java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(gate).order(java.nio.ByteOrder.LITTLE_ENDIAN);
                code = (b.getShort(0) & 0xffffL) | ((b.getShort(6) & 0xffffL) << 16) | ((b.getInt(8) & 0xffffffffL) << 32);
            } catch (ChirpException e) {
                code = 0;
            }
        }
        if (code >= 0 && c.rip() < 0) code = c.rip();
        return code;
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
        PhysAddr pa = new PhysAddr(directMapPhys(pgdVa));
        return switch (info.arch()) {
            case io.chirp.arch.X86_64 x -> AddressSpace.of(memory, kernelSpace.mode(), pa);
            // mm->pgd is TTBR0's table; the kernel half stays swapper_pg_dir's
            case Aarch64 a -> AddressSpace.ofHalves(memory, kernelSpace.mode(), pa, kernelSpace.highRoot());
        };
    }

    /** {@return the architecture this kernel is built for} */
    public Architecture arch() { return info.arch(); }

    /**
     * {@return the task_struct a vCPU is running, as the architecture keeps {@code current}} AArch64: SP_EL0 while
     * the vCPU is in the kernel (at EL0 it is the user stack pointer: empty). x86-64: the per-CPU
     * {@code current_task} (6.1) or {@code pcpu_hot.current_task} (6.2+) at GS base (KERNEL_GS_BASE in user mode).
     */
    public java.util.OptionalLong currentTask(VcpuState cpu) {
        return switch (info.arch().currentTask()) {
            case Architecture.CurrentTask.InRegister r -> {
                long v = cpu.registers().getOrDefault(r.register(), 0L);
                yield v < 0 ? java.util.OptionalLong.of(v) : java.util.OptionalLong.empty();
            }
            case Architecture.CurrentTask.PerCpuVariable p -> {
                long base = cpu.registers().getOrDefault(p.baseRegister(), 0L);
                if (base >= 0) base = cpu.registers().getOrDefault(p.userModeBaseRegister(), 0L);
                long off = symbols().lookup(p.symbol()).map(io.chirp.symbols.Symbol::address)
                        .orElseGet(() -> symbol("pcpu_hot") + layout.offset("pcpu_hot", "current_task"));
                yield base < 0 ? java.util.OptionalLong.of(reader.u64(base + off)) : java.util.OptionalLong.empty();
            }
        };
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
