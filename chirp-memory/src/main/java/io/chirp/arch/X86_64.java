package io.chirp.arch;

import io.chirp.core.ChirpException;
import io.chirp.core.CpuState;
import io.chirp.core.PhysAddr;
import io.chirp.core.PhysicalMemory;
import io.chirp.core.VcpuState;
import io.chirp.paging.AddressSpace;
import io.chirp.paging.Kpti;
import io.chirp.paging.PagingMode;

import java.util.List;

/** x86-64: 4- or 5-level paging from CR3, {@code current_task} per CPU at GS base, the IDT, INT3. */
public final class X86_64 implements Architecture {
    public static final X86_64 INSTANCE = new X86_64();

    private X86_64() {}

    @Override public String name() { return "x86_64"; }

    @Override public int elfMachine() { return 62; } // EM_X86_64

    @Override public List<String> generalRegisters() { return CpuState.GPRS; }

    @Override public List<String> systemRegisters() {
        return List.of("cr0", "cr3", "cr4", "efer", "gs_base", "kernel_gs_base", "idt_base");
    }

    @Override public List<PagingMode> kernelModes() { return List.of(PagingMode.X86_64, PagingMode.X86_64_LA57); }

    @Override
    public AddressSpace kernelSpace(PhysicalMemory memory, VcpuState cpu) {
        if (!(cpu instanceof CpuState c)) throw ChirpException.usage("not an x86-64 vCPU: " + cpu.source());
        if (c.cr0().isEmpty() || c.cr3().isEmpty() || c.cr4().isEmpty()) {
            throw ChirpException.usage("vCPU " + c.vcpu() + " state has no CR0/CR3/CR4 (source " + c.source() + ")");
        }
        PagingMode mode = PagingMode.of(c.cr0().getAsLong(), c.cr4().getAsLong(), c.efer());
        return AddressSpace.of(memory, mode, new PhysAddr(Kpti.kernelRoot(c.cr3().getAsLong())));
    }

    @Override public CurrentTask currentTask() {
        return new CurrentTask.PerCpuVariable("current_task", "gs_base", "kernel_gs_base");
    }

    @Override public VectorTable vectorTable() { return new VectorTable("idt_base", 256, 16, false); }

    /** x86-64: linked at 0xffffffff81000000, loaded at 16 MiB (CONFIG_PHYSICAL_START) without KASLR. */
    @Override public LinuxLayout linux() {
        return new LinuxLayout("init_top_pgt", "__x64_sys_read", 0xffff_ffff_8100_0000L, 0x100_0000L,
                new LinearMap.InGlobals("page_offset_base", "vmemmap_base", "vmalloc_base"), "__x64_sys_",
                List.of("idt_table"));
    }

    @Override public byte[] breakpoint() { return new byte[] {(byte) 0xcc}; }

    @Override public Sweep sweep(byte[] code, long base) { return X86Decoder.sweep(code, base); }

    @Override public String toString() { return name(); }
}
