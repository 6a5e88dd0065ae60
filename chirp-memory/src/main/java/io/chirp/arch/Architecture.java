package io.chirp.arch;

import io.chirp.core.PhysicalMemory;
import io.chirp.core.VcpuState;
import io.chirp.paging.AddressSpace;
import io.chirp.paging.PagingMode;

import java.util.List;

/**
 * What CHIRP needs to know about a CPU architecture, in one place: the page-table formats (as data, see
 * {@link PagingMode}), the register set and its names, and the hooks the Linux layer uses (where
 * {@code current} is, the exception vector table, the breakpoint instruction, and branch decoding for
 * hook checks). {@link X86_64} and {@link Aarch64} are the two implementations.
 */
public sealed interface Architecture permits X86_64, Aarch64 {

    /** {@return the name used in messages and options ("x86_64", "aarch64")} */
    String name();

    /** {@return the ELF e_machine value of cores and vmlinux for this architecture} */
    int elfMachine();

    /** {@return the general registers, in the architecture's encoding order} */
    List<String> generalRegisters();

    /** {@return the system/control registers CHIRP reads, by the names {@link VcpuState#registers()} uses} */
    List<String> systemRegisters();

    /** {@return the paging modes a 64-bit kernel of this architecture may run in, most common first} */
    List<PagingMode> kernelModes();

    /**
     * {@return the kernel's address space as this vCPU sees it} x86 takes the kernel half of CR3 (KPTI);
     * AArch64 takes TTBR0 and TTBR1 and the mode TCR_EL1 describes.
     *
     * @throws io.chirp.core.ChirpException if the state lacks the registers or is of another architecture
     */
    AddressSpace kernelSpace(PhysicalMemory memory, VcpuState cpu);

    /** {@return how the kernel's {@code current} task pointer is found} */
    CurrentTask currentTask();

    /** {@return where the exception/interrupt vectors are and how they are laid out} */
    VectorTable vectorTable();

    /** {@return the software breakpoint instruction, as it appears in memory} */
    byte[] breakpoint();

    /** {@return the direct branches in {@code code}, which starts at {@code base}} */
    Sweep sweep(byte[] code, long base);

    /** {@return what a Linux kernel of this architecture looks like to the Linux layer (resolved once at attach)} */
    LinuxLayout linux();

    /** {@return the architecture of a vCPU state} */
    static Architecture of(VcpuState cpu) {
        return switch (cpu) {
            case io.chirp.core.CpuState x -> X86_64.INSTANCE;
            case io.chirp.core.Aarch64CpuState a -> Aarch64.INSTANCE;
        };
    }

    /** {@return every architecture CHIRP knows} */
    static List<Architecture> all() { return List.of(X86_64.INSTANCE, Aarch64.INSTANCE); }

    /** {@return the architecture of an ELF e_machine, or null for one CHIRP does not know} */
    static Architecture ofElfMachine(int machine) {
        for (Architecture a : all()) if (a.elfMachine() == machine) return a;
        return null;
    }

    /**
     * The Linux facts that differ by architecture and that kernel discovery needs before any walk.
     *
     * @param pageTableRoot  the symbol of the kernel's own top-level page table ({@code init_top_pgt} on x86-64,
     *                       {@code swapper_pg_dir}, TTBR1's table, on AArch64)
     * @param marker         a function only kernels of this architecture have (its read(2) entry point): tells a
     *                       kernel's architecture from its kallsyms, text-only ones too, when no vCPU state says it
     * @param linkTextVirt   where {@code _text} is linked (the KASLR slide is measured from it)
     * @param linkTextPhys   where {@code _text} is loaded without KASLR, 0 if there is no fixed place
     * @param linearMap      how the direct map of all RAM (and the struct page array) is placed
     * @param syscallPrefix  the name prefix of the system call entry points {@code sys_call_table} holds
     *                       ({@code __x64_sys_}, {@code __arm64_sys_})
     * @param vectorSymbols  the kernel's own exception vector tables a vCPU's vector base may hold (x86:
     *                       {@code idt_table}; arm64: {@code vectors}, the KPTI trampoline's and the Spectre-BHB
     *                       hardened copies)
     */
    record LinuxLayout(String pageTableRoot, String marker, long linkTextVirt, long linkTextPhys, LinearMap linearMap,
                       String syscallPrefix, List<String> vectorSymbols) {}

    /** How Linux places its linear (direct) map of RAM and its struct page array. */
    sealed interface LinearMap {
        /**
         * Randomised bases the kernel keeps in globals (x86-64 KASLR: {@code page_offset_base},
         * {@code vmemmap_base}, {@code vmalloc_base}).
         */
        record InGlobals(String directMap, String vmemmap, String vmalloc) implements LinearMap {}

        /**
         * Fixed by the VA size (AArch64): the linear map starts at PAGE_OFFSET, the bottom of the top 2^vaBits, and
         * its first byte is the physical address in the global {@code physOffset} ({@code memstart_addr}, which
         * KASLR may also move); the struct page array ends at VMEMMAP_START + its size, one struct page per page
         * from PFN {@code memstart_addr >> pageShift}.
         */
        record FromVaBits(String physOffset) implements LinearMap {
            /** {@return PAGE_OFFSET for a kernel with {@code vaBits}-bit kernel addresses} */
            public long pageOffset(int vaBits) { return -(1L << vaBits); }

            /** {@return VMEMMAP_START: the struct page array's reserved range, sized for 64-byte struct pages} */
            public long vmemmapStart(int vaBits, int pageShift) { return -(1L << (vaBits - (pageShift - 6))); }

            /** {@return VMALLOC_START (= MODULES_END: 128 MiB of modules above the bottom of the top half)} */
            public long vmallocStart(int vaBits) { return -(1L << (vaBits - 1)) + (128L << 20); }
        }
    }

    /**
     * How {@code current} is found.
     */
    sealed interface CurrentTask {
        /**
         * A per-CPU variable: {@code symbol}'s per-CPU offset plus the per-CPU base held in {@code baseRegister}
         * (x86-64: {@code current_task} at GS base; KERNEL_GS_BASE holds it while in user mode).
         */
        record PerCpuVariable(String symbol, String baseRegister, String userModeBaseRegister) implements CurrentTask {}

        /** The register holds the task pointer itself while the CPU runs the kernel (AArch64: SP_EL0). */
        record InRegister(String register) implements CurrentTask {}
    }

    /**
     * The exception vector table.
     *
     * @param register   where its base is ("idt_base" on x86, "vbar_el1" on AArch64)
     * @param entries    how many entries (256 IDT gates; 16 vectors: 4 exception kinds x 4 origins)
     * @param entrySize  bytes per entry (16-byte gate descriptors; 0x80 bytes of code per vector)
     * @param holdsCode  false if entries are descriptors pointing at handlers, true if they are the handlers
     */
    record VectorTable(String register, int entries, int entrySize, boolean holdsCode) {}
}
