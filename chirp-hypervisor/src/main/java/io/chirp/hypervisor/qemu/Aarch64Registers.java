package io.chirp.hypervisor.qemu;

import io.chirp.core.Aarch64CpuState;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;

/**
 * AArch64 vCPU state from QEMU's gdbstub. The core registers (x0..x30, sp, pc, cpsr) come in the 'g' packet; the
 * system registers CHIRP needs are read one by one from {@code system-registers.xml}, which QEMU offers for
 * {@code -cpu max} and named CPUs. QEMU names some of them without their exception level ("VBAR", "SCTLR"): they
 * are the EL1 ones, which is how they are stored here.
 */
public final class Aarch64Registers {
    private Aarch64Registers() {}

    /** gdbstub names of the system registers, to the names {@link Aarch64CpuState} uses. */
    static final Map<String, String> SYSTEM = Map.of(
            "TTBR0_EL1", "ttbr0_el1", "TTBR1_EL1", "ttbr1_el1", "TCR_EL1", "tcr_el1",
            "VBAR", "vbar_el1", "VBAR_EL1", "vbar_el1", "SP_EL0", "sp_el0", "SCTLR", "sctlr_el1",
            "SCTLR_EL1", "sctlr_el1");

    /** {@return whether a gdbstub register description is AArch64's} */
    public static boolean isAarch64(List<GdbRemote.Register> layout) {
        return layout.stream().anyMatch(r -> r.name().equals("x30")) && layout.stream().anyMatch(r -> r.name().equals("pc"));
    }

    /** Reads the current thread's state: 'g' for the core set, 'p' for each system register CHIRP needs. */
    public static Aarch64CpuState read(GdbRemote g, int vcpu) {
        Map<String, Long> regs = new LinkedHashMap<>();
        g.readRegisters().forEach((k, v) -> {
            String n = k.toLowerCase(Locale.ROOT);
            if (n.matches("x\\d+|sp|pc|cpsr")) regs.put(n, v);
        });
        for (GdbRemote.Register r : g.registers()) {
            String name = SYSTEM.get(r.name());
            if (name == null || regs.containsKey(name)) continue;
            OptionalLong v = g.readRegister(r);
            if (v.isPresent()) regs.put(name, v.getAsLong());
        }
        return new Aarch64CpuState(vcpu, regs, "gdbstub");
    }
}
