package io.chirp.core;

import java.util.Map;
import java.util.OptionalLong;

/**
 * The state of one vCPU, in the register set of its architecture: {@link CpuState} for x86-64,
 * {@link Aarch64CpuState} for AArch64. Code that only needs a register by name (tables, the tracer's
 * display) uses this interface; code that needs the paging registers switches on the variant.
 */
public sealed interface VcpuState permits CpuState, Aarch64CpuState {

    /** {@return the vCPU index, 0-based} */
    int vcpu();

    /** {@return the program counter (RIP, PC)} */
    long pc();

    /** {@return the registers the source recorded, by lower-case name} */
    Map<String, Long> registers();

    /** {@return where this came from, e.g. "elf:NT_PRSTATUS", "gdbstub"} */
    String source();

    /** {@return the named register, absent if the source did not record it} */
    default OptionalLong register(String name) {
        Long v = registers().get(name);
        return v == null ? OptionalLong.empty() : OptionalLong.of(v);
    }
}
