package io.chirp.linux.integrity;

import io.chirp.core.ChirpException;
import io.chirp.core.VcpuState;
import io.chirp.core.VirtAddr;
import io.chirp.linux.KernelReader;
import io.chirp.linux.LinuxKernel;
import io.chirp.paging.TranslationResult;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * Interrupt descriptor table integrity: every present gate's handler must be in kernel text. The IDT is taken from
 * each vCPU's IDTR when registers are known (that is the table the CPU really uses; Linux maps it read-only in the
 * CPU entry area, an alias of {@code idt_table}), else from {@code idt_table}. An IDTR that maps to other memory than
 * {@code idt_table} is itself a finding: a rootkit can load its own table.
 */
public final class IdtCheck {
    static final int GATES = 256;
    private static final int GATE_SIZE = 16;

    private final LinuxKernel k;
    private final KernelReader r;
    private final HooksCheck hooks;
    private final List<? extends VcpuState> cpus;

    public IdtCheck(LinuxKernel k, List<? extends VcpuState> cpus, HooksCheck hooks) {
        this.k = k;
        this.r = k.reader();
        this.cpus = List.copyOf(cpus);
        this.hooks = hooks;
    }

    public IntegrityReport.Section check() {
        return switch (k.arch()) {
            case io.chirp.arch.X86_64 x -> idt();
            case io.chirp.arch.Aarch64 a -> vectors(a.vectorTable());
        };
    }

    /**
     * AArch64: the exception vector table at each vCPU's VBAR_EL1 (else the kernel's {@code vectors}) must be one of
     * the kernel's own tables, and its 16 slots of code (4 kinds x 4 origins, 0x80 bytes each) must branch only into
     * kernel text: a rootkit either points VBAR_EL1 elsewhere or patches a slot's branch to its handler.
     */
    private IntegrityReport.Section vectors(io.chirp.arch.Architecture.VectorTable layout) {
        List<IntegrityFinding> findings = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        List<Long> own = k.arch().linux().vectorSymbols().stream()
                .flatMap(n -> k.symbols().lookup(n).stream()).map(io.chirp.symbols.Symbol::address).toList();
        java.util.Set<Long> tables = new java.util.LinkedHashSet<>();
        for (VcpuState c : cpus) c.register(layout.register()).ifPresent(tables::add);
        if (tables.isEmpty()) {
            if (own.isEmpty()) return IntegrityReport.Section.failed("idt", "no VBAR_EL1 and no vectors symbol");
            tables.add(own.getFirst());
        }
        int examined = 0;
        int size = layout.entries() * layout.entrySize();
        for (long base : tables) {
            if (!own.contains(base)) {
                findings.add(new IntegrityFinding.IdtEntry(-1, base, hooks.describe(base),
                        "VBAR_EL1 0x" + Long.toHexString(base) + " is not one of the kernel's vector tables "
                                + k.arch().linux().vectorSymbols()));
            }
            byte[] code;
            try {
                code = r.bytes(base, size);
            } catch (ChirpException e) {
                problems.add("vector table at 0x" + Long.toHexString(base) + " unreadable: " + e.getMessage());
                continue;
            }
            examined += layout.entries();
            for (io.chirp.arch.Branch b : k.arch().sweep(code, base).branches()) {
                boolean inTable = Long.compareUnsigned(b.target() - base, size) < 0;
                if (!inTable && !k.inKernelText(b.target())) {
                    int slot = (int) ((b.site() - base) / layout.entrySize());
                    findings.add(new IntegrityFinding.IdtEntry(slot, b.target(), hooks.describe(b.target()),
                            "vector " + slot + " branches to 0x" + Long.toHexString(b.target()) + ", outside kernel text ("
                                    + hooks.owner(b.target()) + ")"));
                }
            }
        }
        return new IntegrityReport.Section("idt", examined, findings, problems.isEmpty(), problems);
    }

    private IntegrityReport.Section idt() {
        List<IntegrityFinding> findings = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        OptionalLong kernelTable = k.symbols().lookup("idt_table").map(s -> OptionalLong.of(s.address()))
                .orElse(OptionalLong.empty());
        // base -> limit; one IDT per distinct IDTR (every vCPU normally shares one)
        Map<Long, Integer> tables = new LinkedHashMap<>();
        for (VcpuState c : cpus) {
            OptionalLong base = c.register("idt_base");
            if (base.isPresent()) tables.putIfAbsent(base.getAsLong(), (int) c.register("idt_limit").orElse(4095));
        }
        if (tables.isEmpty()) {
            if (kernelTable.isEmpty()) return IntegrityReport.Section.failed("idt", "no IDTR and no idt_table symbol");
            tables.put(kernelTable.getAsLong(), GATES * GATE_SIZE - 1);
        }
        int examined = 0;
        for (Map.Entry<Long, Integer> t : tables.entrySet()) {
            long base = t.getKey();
            if (kernelTable.isPresent() && base != kernelTable.getAsLong() && !samePage(base, kernelTable.getAsLong())) {
                findings.add(new IntegrityFinding.IdtEntry(-1, base, hooks.describe(base),
                        "IDTR base 0x" + Long.toHexString(base) + " is not the kernel's idt_table"));
            }
            int gates = Math.min(GATES, (t.getValue() + 1) / GATE_SIZE);
            byte[] idt;
            try {
                idt = r.bytes(base, gates * GATE_SIZE);
            } catch (ChirpException e) {
                problems.add("IDT at 0x" + Long.toHexString(base) + " unreadable: " + e.getMessage());
                continue;
            }
            for (int v = 0; v < gates; v++) {
                int o = v * GATE_SIZE;
                if ((idt[o + 5] & 0x80) == 0) continue; // not present
                examined++;
                long handler = gateTarget(idt, o);
                if (!k.inKernelText(handler) && !earlyHandler(v, handler)) {
                    findings.add(new IntegrityFinding.IdtEntry(v, handler, hooks.describe(handler),
                            "handler 0x" + Long.toHexString(handler) + " is outside kernel text (" + hooks.owner(handler) + ")"));
                }
            }
        }
        return new IntegrityReport.Section("idt", examined, findings, problems.isEmpty(), problems);
    }

    /**
     * Reserved vectors (20-31) keep the early boot handlers Linux installs first ({@code early_idt_handler_array}
     * in init text, freed after boot): the kernel's own quirk, not a hook, as long as the address is exactly the
     * array entry for that vector.
     */
    private boolean earlyHandler(int vector, long handler) {
        if (vector >= 32) return false;
        return k.symbols().lookup("early_idt_handler_array").map(s -> {
            long off = handler - s.address();
            return vector > 0 && off > 0 && off % vector == 0 && off / vector >= 9 && off / vector <= 16;
        }).orElse(false);
    }

    /** {@return the handler address of the 16-byte gate at {@code o}: offset bits 0-15, 16-31 and 32-63} */
    static long gateTarget(byte[] g, int o) {
        long low = (g[o] & 0xff) | (g[o + 1] & 0xff) << 8;
        long mid = (g[o + 6] & 0xff) | (g[o + 7] & 0xff) << 8;
        long high = (g[o + 8] & 0xffL) | (g[o + 9] & 0xffL) << 8 | (g[o + 10] & 0xffL) << 16 | (g[o + 11] & 0xffL) << 24;
        return low | mid << 16 | high << 32;
    }

    /** The CPU entry area maps idt_table's page again: same physical page, same table. */
    private boolean samePage(long a, long b) {
        TranslationResult ta = k.kernelSpace().translate(new VirtAddr(a));
        TranslationResult tb = k.kernelSpace().translate(new VirtAddr(b));
        return ta instanceof TranslationResult.Mapped ma && tb instanceof TranslationResult.Mapped mb
                && ma.pa().value() == mb.pa().value();
    }
}
