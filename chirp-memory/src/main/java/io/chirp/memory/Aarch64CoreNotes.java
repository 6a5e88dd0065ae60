package io.chirp.memory;

import io.chirp.core.Aarch64CpuState;
import io.chirp.core.ChirpException;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The NT_PRSTATUS note of an AArch64 core, both directions. Linux's arm64 {@code elf_prstatus} has the same
 * generic header as x86-64's (pr_reg at 112) followed by {@code user_pt_regs}: x0..x30, sp, pc, pstate, then
 * pr_fpvalid. QEMU's {@code dump-guest-memory} writes this note per vCPU and no system registers, so a core
 * alone gives no TTBRs: the kernel's tables must then be found in memory (swapper_pg_dir), not in the notes.
 */
public final class Aarch64CoreNotes {
    /** {@code sizeof(struct elf_prstatus)} on arm64: 112 + 34 * 8 + pr_fpvalid and padding. */
    public static final int PRSTATUS_SIZE = 392;
    static final int PR_PID = 32;
    static final int PR_REG = 112;
    /** {@code user_pt_regs} in order; "cpsr" is PSTATE by the name gdb gives it. */
    static final List<String> USER_REGS;

    static {
        List<String> r = new java.util.ArrayList<>();
        for (int i = 0; i <= 30; i++) r.add("x" + i);
        r.addAll(List.of("sp", "pc", "cpsr"));
        USER_REGS = List.copyOf(r);
    }

    private Aarch64CoreNotes() {}

    /** Decodes an arm64 NT_PRSTATUS descriptor. */
    public static Aarch64CpuState decodePrstatus(int vcpu, ByteBuffer desc) {
        ByteBuffer b = desc.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        if (b.remaining() < PR_REG + USER_REGS.size() * 8) {
            throw ChirpException.corrupt("NT_PRSTATUS note of vCPU " + vcpu + " is " + b.remaining()
                    + " bytes, an arm64 one is " + PRSTATUS_SIZE);
        }
        int base = b.position() + PR_REG;
        Map<String, Long> regs = new LinkedHashMap<>();
        for (int i = 0; i < USER_REGS.size(); i++) regs.put(USER_REGS.get(i), b.getLong(base + 8 * i));
        return new Aarch64CpuState(vcpu, regs, "elf:NT_PRSTATUS");
    }

    /** Encodes an arm64 {@code elf_prstatus}; registers the state lacks are written as 0. */
    public static byte[] encodePrstatus(Aarch64CpuState cpu, int pid) {
        ByteBuffer b = ByteBuffer.allocate(PRSTATUS_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(PR_PID, pid);
        for (int i = 0; i < USER_REGS.size(); i++) {
            b.putLong(PR_REG + 8 * i, cpu.register(USER_REGS.get(i)).orElse(0));
        }
        return b.array();
    }
}
