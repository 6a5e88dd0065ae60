package io.chirp.core;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * The architectural state of one x86-64 vCPU (the x86 {@link VcpuState}) at one moment, as recorded by a memory image (ELF core notes)
 * or reported by a hypervisor. Values that the source did not record are absent, never zero: a QEMU ELF note
 * carries no EFER, an NT_PRSTATUS note no control registers.
 *
 * @param vcpu         vCPU index, 0-based
 * @param registers    general registers by lower-case name ("rax" .. "r15", "rsp", "rbp", "orig_rax", "cs", ...)
 * @param rip          instruction pointer
 * @param rflags       flags register
 * @param fsBase       FS segment base
 * @param gsBase       GS segment base (the kernel per-CPU base while in kernel mode)
 * @param kernelGsBase the MSR swapped in by SWAPGS
 * @param cr0          control register 0
 * @param cr2          page-fault linear address
 * @param cr3          page-table root (with PCID and KPTI bits as the CPU had them)
 * @param cr4          control register 4 (PAE, LA57, PCIDE, ...)
 * @param efer         extended feature enable register (LMA, NXE)
 * @param source       where this came from, e.g. "elf:NT_PRSTATUS" or "elf:QEMU"
 */
public record CpuState(int vcpu, Map<String, Long> registers, long rip, long rflags,
                       OptionalLong fsBase, OptionalLong gsBase, OptionalLong kernelGsBase,
                       OptionalLong cr0, OptionalLong cr2, OptionalLong cr3, OptionalLong cr4, OptionalLong efer,
                       String source) implements VcpuState {

    /** The 16 general-purpose registers in the x86-64 encoding order. */
    public static final List<String> GPRS = List.of(
            "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
            "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15");

    public CpuState {
        if (vcpu < 0) throw new IllegalArgumentException("negative vCPU index");
        registers = Collections.unmodifiableMap(new LinkedHashMap<>(registers));
        for (OptionalLong o : new OptionalLong[] {fsBase, gsBase, kernelGsBase, cr0, cr2, cr3, cr4, efer}) {
            if (o == null) throw new IllegalArgumentException("use OptionalLong.empty(), not null");
        }
        if (source == null) source = "";
    }

    /** {@return RIP} */
    @Override public long pc() { return rip; }

    /** {@return a copy of this state with its vCPU index and source replaced} */
    public CpuState withSource(int newVcpu, String newSource) {
        return new CpuState(newVcpu, registers, rip, rflags, fsBase, gsBase, kernelGsBase, cr0, cr2, cr3, cr4, efer,
                newSource);
    }
}
