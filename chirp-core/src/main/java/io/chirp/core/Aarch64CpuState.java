package io.chirp.core;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * The architectural state of one AArch64 vCPU, as a gdbstub (with QEMU's system-register XML), QMP or an ELF
 * core (NT_PRSTATUS: x0..x30, sp, pc, pstate) reports it. System registers are in the same map under their
 * lower-case architectural names; absent ones were not recorded, never zero.
 *
 * @param vcpu      vCPU index, 0-based
 * @param registers "x0".."x30", "sp", "pc", "cpsr" (PSTATE as gdb names it), and system registers such as
 *                  "ttbr0_el1", "ttbr1_el1", "tcr_el1", "vbar_el1", "sp_el0"
 * @param source    where this came from
 */
public record Aarch64CpuState(int vcpu, Map<String, Long> registers, String source) implements VcpuState {

    /** x0..x30 (x29 is the frame pointer, x30 the link register), then sp and pc. */
    public static final List<String> GPRS;

    /** The system registers CHIRP needs: the two table roots, the translation control, the vectors, `current`. */
    public static final List<String> SYSTEM_REGISTERS = List.of("ttbr0_el1", "ttbr1_el1", "tcr_el1", "vbar_el1",
            "sp_el0", "sctlr_el1");

    static {
        List<String> g = new java.util.ArrayList<>();
        for (int i = 0; i <= 30; i++) g.add("x" + i);
        g.add("sp");
        g.add("pc");
        GPRS = List.copyOf(g);
    }

    public Aarch64CpuState {
        if (vcpu < 0) throw new IllegalArgumentException("negative vCPU index");
        registers = Collections.unmodifiableMap(new LinkedHashMap<>(registers));
        if (source == null) source = "";
    }

    @Override public long pc() { return registers.getOrDefault("pc", 0L); }

    public OptionalLong ttbr0() { return register("ttbr0_el1"); }

    public OptionalLong ttbr1() { return register("ttbr1_el1"); }

    public OptionalLong tcr() { return register("tcr_el1"); }

    public OptionalLong vbar() { return register("vbar_el1"); }

    /** {@return SP_EL0, which holds the kernel's {@code current} task pointer while in EL1} */
    public OptionalLong spEl0() { return register("sp_el0"); }
}
