package io.chirp.arch;

import io.chirp.core.Aarch64CpuState;
import io.chirp.core.ChirpException;
import io.chirp.core.PhysAddr;
import io.chirp.core.PhysicalMemory;
import io.chirp.core.VcpuState;
import io.chirp.paging.AddressSpace;
import io.chirp.paging.PagingMode;

import java.util.List;

/**
 * AArch64 (ARMv8-A, EL1 kernel): TTBR0/TTBR1 split address space in the granule and VA size TCR_EL1 gives,
 * {@code current} in SP_EL0 while in the kernel, the vector table at VBAR_EL1, BRK #0.
 */
public final class Aarch64 implements Architecture {
    public static final Aarch64 INSTANCE = new Aarch64();

    private Aarch64() {}

    @Override public String name() { return "aarch64"; }

    @Override public int elfMachine() { return 183; } // EM_AARCH64

    @Override public List<String> generalRegisters() { return Aarch64CpuState.GPRS; }

    @Override public List<String> systemRegisters() { return Aarch64CpuState.SYSTEM_REGISTERS; }

    /** Debian's arm64 kernels use 4 KiB pages and 48-bit VA; the others are what distributions also ship. */
    @Override public List<PagingMode> kernelModes() {
        return List.of(PagingMode.aarch64(12, 48, false), PagingMode.aarch64(12, 52, true),
                PagingMode.aarch64(16, 48, false), PagingMode.aarch64(16, 52, true),
                PagingMode.aarch64(14, 48, false), PagingMode.aarch64(12, 39, false));
    }

    @Override
    public AddressSpace kernelSpace(PhysicalMemory memory, VcpuState cpu) {
        if (!(cpu instanceof Aarch64CpuState a)) throw ChirpException.usage("not an AArch64 vCPU: " + cpu.source());
        if (a.tcr().isEmpty() || a.ttbr1().isEmpty()) {
            throw ChirpException.usage("vCPU " + a.vcpu() + " state has no TCR_EL1/TTBR1_EL1 (source " + a.source()
                    + "): the gdbstub's system-register XML needs -cpu max or a named CPU");
        }
        long tcr = a.tcr().getAsLong();
        PagingMode high = PagingMode.fromTcr(tcr, true);
        PagingMode low = PagingMode.fromTcr(tcr, false);
        if (!high.equals(low)) {
            throw ChirpException.usage("TCR_EL1 0x" + Long.toHexString(tcr) + " gives the halves different formats ("
                    + low + " / " + high + "): not supported");
        }
        long ttbr0 = a.ttbr0().orElse(0);
        return AddressSpace.ofHalves(memory, high, new PhysAddr(high.rootFromTtbr(ttbr0)),
                new PhysAddr(high.rootFromTtbr(a.ttbr1().getAsLong())));
    }

    @Override public CurrentTask currentTask() { return new CurrentTask.InRegister("sp_el0"); }

    @Override public VectorTable vectorTable() { return new VectorTable("vbar_el1", 16, 0x80, true); }

    /**
     * arm64 (48-bit VA build): the image is linked at KIMAGE_VADDR 0xffff8000_08000000 (MODULES_END), runs wherever
     * the boot loader put it physically (no fixed place).
     */
    @Override public LinuxLayout linux() {
        return new LinuxLayout("swapper_pg_dir", "__arm64_sys_read", 0xffff_8000_0800_0000L, 0,
                new LinearMap.FromVaBits("memstart_addr"), "__arm64_sys_",
                List.of("vectors", "tramp_vectors", "__bp_harden_el1_vectors"));
    }

    @Override public byte[] breakpoint() { return new byte[] {0x00, 0x00, 0x20, (byte) 0xd4}; }

    @Override public Sweep sweep(byte[] code, long base) { return Aarch64Decoder.sweep(code, base); }

    @Override public String toString() { return name(); }
}
