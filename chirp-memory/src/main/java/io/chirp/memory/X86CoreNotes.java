package io.chirp.memory;

import io.chirp.core.ChirpException;
import io.chirp.core.CpuState;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * The two per-vCPU notes of an x86-64 VM core, both directions: Linux's {@code elf_prstatus} (NT_PRSTATUS,
 * owner "CORE") and QEMU's {@code QEMUCPUState} (owner "QEMU"), as QEMU's {@code dump-guest-memory} and
 * {@code virsh dump --memory-only} write them. Only NT_PRSTATUS is understood by every tool (crash, gdb);
 * only the QEMU note carries the control registers, so a reader merges the two.
 */
public final class X86CoreNotes {
    /** {@code sizeof(struct elf_prstatus)} on x86-64. */
    public static final int PRSTATUS_SIZE = 336;
    /** {@code offsetof(struct elf_prstatus, pr_pid)}. */
    static final int PR_PID = 32;
    /** {@code offsetof(struct elf_prstatus, pr_reg)}: siginfo, signals, 4 ids and 4 timevals come first. */
    static final int PR_REG = 112;
    /** {@code struct user_regs_struct}, in its order. */
    static final List<String> USER_REGS = List.of(
            "r15", "r14", "r13", "r12", "rbp", "rbx", "r11", "r10", "r9", "r8", "rax", "rcx", "rdx", "rsi", "rdi",
            "orig_rax", "rip", "cs", "rflags", "rsp", "ss", "fs_base", "gs_base", "ds", "es", "fs", "gs");

    /** QEMUCPUState version 1 up to and including cr[5]; {@code kernel_gs_base} was appended later. */
    public static final int QEMU_MIN_SIZE = 432;
    public static final int QEMU_SIZE = 440;
    static final int QEMU_VERSION = 1;
    /** QEMUCPUState general registers, in its order (not the user_regs order). */
    static final List<String> QEMU_GPRS = List.of(
            "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rsp", "rbp",
            "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15");
    static final List<String> QEMU_SEGMENTS = List.of("cs", "ds", "es", "fs", "gs", "ss", "ldt", "tr", "gdt", "idt");
    private static final int QEMU_SEG_OFFSET = 8 + 18 * 8;
    private static final int QEMU_CR_OFFSET = QEMU_SEG_OFFSET + 10 * 24;

    private X86CoreNotes() {}

    /** Decodes an NT_PRSTATUS descriptor. Control registers are absent: this note has none. */
    public static CpuState decodePrstatus(int vcpu, ByteBuffer desc) {
        ByteBuffer b = desc.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        if (b.remaining() < PR_REG + USER_REGS.size() * 8) {
            throw ChirpException.corrupt("NT_PRSTATUS note of vCPU " + vcpu + " is " + b.remaining()
                    + " bytes, an x86-64 one is " + PRSTATUS_SIZE);
        }
        int base = b.position() + PR_REG;
        Map<String, Long> regs = new LinkedHashMap<>();
        for (int i = 0; i < USER_REGS.size(); i++) regs.put(USER_REGS.get(i), b.getLong(base + 8 * i));
        long rip = regs.remove("rip");
        long rflags = regs.remove("rflags");
        long fsBase = regs.remove("fs_base");
        long gsBase = regs.remove("gs_base");
        return new CpuState(vcpu, regs, rip, rflags, OptionalLong.of(fsBase), OptionalLong.of(gsBase),
                OptionalLong.empty(), OptionalLong.empty(), OptionalLong.empty(), OptionalLong.empty(),
                OptionalLong.empty(), OptionalLong.empty(), "elf:NT_PRSTATUS");
    }

    /**
     * Decodes a QEMU CPU state note: registers, segments (as {@code <seg>} selector, {@code <seg>_base},
     * {@code <seg>_limit}, {@code <seg>_flags}), cr0/2/3/4, and kernel_gs_base when the note's size has it.
     */
    public static CpuState decodeQemu(int vcpu, ByteBuffer desc) {
        ByteBuffer b = desc.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int p = b.position();
        if (b.remaining() < QEMU_MIN_SIZE) {
            throw ChirpException.corrupt("QEMU note of vCPU " + vcpu + " is " + b.remaining()
                    + " bytes, at least " + QEMU_MIN_SIZE + " expected");
        }
        int version = b.getInt(p);
        long size = Integer.toUnsignedLong(b.getInt(p + 4));
        if (version != QEMU_VERSION) throw ChirpException.corrupt("QEMU note version " + version + ", expected 1");
        // 'size' tells which optional trailing fields exist; trust it only as far as the descriptor goes
        long usable = Math.min(size, b.remaining());
        Map<String, Long> regs = new LinkedHashMap<>();
        for (int i = 0; i < QEMU_GPRS.size(); i++) regs.put(QEMU_GPRS.get(i), b.getLong(p + 8 + 8 * i));
        long rip = b.getLong(p + 8 + 16 * 8);
        long rflags = b.getLong(p + 8 + 17 * 8);
        for (int i = 0; i < QEMU_SEGMENTS.size(); i++) {
            int s = p + QEMU_SEG_OFFSET + 24 * i;
            String n = QEMU_SEGMENTS.get(i);
            regs.put(n, Integer.toUnsignedLong(b.getInt(s)));
            regs.put(n + "_limit", Integer.toUnsignedLong(b.getInt(s + 4)));
            regs.put(n + "_flags", Integer.toUnsignedLong(b.getInt(s + 8)));
            regs.put(n + "_base", b.getLong(s + 16));
        }
        long[] cr = new long[5];
        for (int i = 0; i < 5; i++) cr[i] = b.getLong(p + QEMU_CR_OFFSET + 8 * i);
        OptionalLong kgs = usable >= QEMU_SIZE ? OptionalLong.of(b.getLong(p + QEMU_MIN_SIZE)) : OptionalLong.empty();
        return new CpuState(vcpu, regs, rip, rflags, OptionalLong.of(regs.get("fs_base")),
                OptionalLong.of(regs.get("gs_base")), kgs, OptionalLong.of(cr[0]), OptionalLong.of(cr[2]),
                OptionalLong.of(cr[3]), OptionalLong.of(cr[4]), OptionalLong.empty(), "elf:QEMU");
    }

    /** {@return one state from both notes of a vCPU: the QEMU note's values win, NT_PRSTATUS adds orig_rax} */
    public static CpuState merge(CpuState prstatus, CpuState qemu) {
        Map<String, Long> regs = new LinkedHashMap<>(prstatus.registers());
        regs.putAll(qemu.registers());
        return new CpuState(qemu.vcpu(), regs, qemu.rip(), qemu.rflags(), qemu.fsBase(), qemu.gsBase(),
                qemu.kernelGsBase(), qemu.cr0(), qemu.cr2(), qemu.cr3(), qemu.cr4(),
                qemu.efer().isPresent() ? qemu.efer() : prstatus.efer(), "elf:NT_PRSTATUS+QEMU");
    }

    /** Encodes an x86-64 {@code elf_prstatus}; {@code pid} is what QEMU puts there (vCPU index + 1). */
    public static byte[] encodePrstatus(CpuState cpu, int pid) {
        ByteBuffer b = ByteBuffer.allocate(PRSTATUS_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(PR_PID, pid);
        for (int i = 0; i < USER_REGS.size(); i++) b.putLong(PR_REG + 8 * i, userReg(cpu, USER_REGS.get(i)));
        return b.array();
    }

    /** Encodes a QEMUCPUState (version 1, with kernel_gs_base). Values the state lacks are written as 0. */
    public static byte[] encodeQemu(CpuState cpu) {
        ByteBuffer b = ByteBuffer.allocate(QEMU_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, QEMU_VERSION).putInt(4, QEMU_SIZE);
        for (int i = 0; i < QEMU_GPRS.size(); i++) b.putLong(8 + 8 * i, reg(cpu, QEMU_GPRS.get(i)));
        b.putLong(8 + 16 * 8, cpu.rip()).putLong(8 + 17 * 8, cpu.rflags());
        for (int i = 0; i < QEMU_SEGMENTS.size(); i++) {
            int s = QEMU_SEG_OFFSET + 24 * i;
            String n = QEMU_SEGMENTS.get(i);
            b.putInt(s, (int) reg(cpu, n)).putInt(s + 4, (int) reg(cpu, n + "_limit"))
                    .putInt(s + 8, (int) reg(cpu, n + "_flags"));
            long base = switch (n) {
                case "fs" -> cpu.fsBase().orElse(reg(cpu, "fs_base"));
                case "gs" -> cpu.gsBase().orElse(reg(cpu, "gs_base"));
                default -> reg(cpu, n + "_base");
            };
            b.putLong(s + 16, base);
        }
        b.putLong(QEMU_CR_OFFSET, cpu.cr0().orElse(0)).putLong(QEMU_CR_OFFSET + 16, cpu.cr2().orElse(0))
                .putLong(QEMU_CR_OFFSET + 24, cpu.cr3().orElse(0)).putLong(QEMU_CR_OFFSET + 32, cpu.cr4().orElse(0));
        b.putLong(QEMU_MIN_SIZE, cpu.kernelGsBase().orElse(0));
        return b.array();
    }

    private static long userReg(CpuState cpu, String name) {
        return switch (name) {
            case "rip" -> cpu.rip();
            case "rflags" -> cpu.rflags();
            case "fs_base" -> cpu.fsBase().orElse(0);
            case "gs_base" -> cpu.gsBase().orElse(0);
            default -> reg(cpu, name);
        };
    }

    private static long reg(CpuState cpu, String name) {
        return cpu.registers().getOrDefault(name, 0L);
    }
}
