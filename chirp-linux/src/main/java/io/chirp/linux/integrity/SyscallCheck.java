package io.chirp.linux.integrity;

import io.chirp.arch.Branch;
import io.chirp.arch.Sweep;
import io.chirp.arch.X86Decoder;
import io.chirp.core.ChirpException;
import io.chirp.linux.KernelFeatures;
import io.chirp.linux.KernelReader;
import io.chirp.linux.LinuxKernel;
import io.chirp.symbols.Symbol;
import io.chirp.symbols.SymbolOffset;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * System call integrity, along both paths the kernel has used:
 * <ul>
 *   <li>{@code sys_call_table}: every entry (all of them: the count comes from the table's extent in kallsyms,
 *       not from a guess) must be the start of a {@code __x64_sys_*} function in kernel text;</li>
 *   <li>{@code x64_sys_call}: since the 2024 branch-history mitigations (6.9, backported to Debian's 6.1) the
 *       kernel dispatches through this switch, not the table; every direct call/jump it makes must land on a
 *       {@code __x64_sys_*} entry (or a return/indirect thunk) in kernel text;</li>
 *   <li>inline hooks: the first instructions of each entry function must not branch out of kernel text; ftrace's
 *       own patching (a call to its caller or to a trampoline) is reported apart, with the trampoline's owner.</li>
 * </ul>
 */
public final class SyscallCheck {
    /** The table never has more entries than this (x86-64 has ~460). */
    static final int MAX_SYSCALLS = 4096;
    /** x64_sys_call is a few KiB; a symbol claiming more is read only this far. */
    static final int MAX_DISPATCH_BYTES = 64 << 10;
    /** Table padding: the next symbol is aligned to at most this many bytes past the table's true end. */
    static final int MAX_PADDING = 64;
    /** The entry points' name prefix on this kernel's architecture ({@code __x64_sys_}, {@code __arm64_sys_}). */
    private final String PREFIX;

    private final LinuxKernel k;
    private final KernelReader r;
    private final HooksCheck hooks;

    public SyscallCheck(LinuxKernel k, HooksCheck hooks) {
        this.k = k;
        this.r = k.reader();
        this.hooks = hooks;
        this.PREFIX = k.arch().linux().syscallPrefix();
    }

    /** {@return the number of sys_call_table entries: its extent to the next symbol, less alignment padding} */
    public int tableSize() {
        long table = k.symbol("sys_call_table");
        long end = nextSymbol(k, table).orElseThrow(() -> ChirpException.notFound("no symbol after sys_call_table"));
        long n = (end - table) / 8;
        if (n <= 0 || n > MAX_SYSCALLS) throw ChirpException.corrupt("sys_call_table spans " + n + " entries");
        // Trailing zero slots within the alignment of the next symbol are padding, not empty entries.
        int size = (int) n;
        while (size > 0 && (n - size + 1) * 8 <= MAX_PADDING && r.u64(table + 8L * (size - 1)) == 0) size--;
        return size;
    }

    /** Checks every entry of sys_call_table. */
    public IntegrityReport.Section table() {
        List<IntegrityFinding> findings = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        long table;
        int size;
        try {
            table = k.symbol("sys_call_table");
            size = tableSize();
        } catch (ChirpException e) {
            return IntegrityReport.Section.failed("syscall_table", e.getMessage());
        }
        byte[] raw;
        try {
            raw = r.bytes(table, size * 8);
        } catch (ChirpException e) {
            return IntegrityReport.Section.failed("syscall_table", "sys_call_table unreadable: " + e.getMessage());
        }
        for (int nr = 0; nr < size; nr++) {
            long target = HiddenModules.le64(raw, nr * 8);
            String problem = entryProblem(target);
            if (problem != null) {
                findings.add(new IntegrityFinding.SyscallTableEntry(nr, table + 8L * nr, target, describe(target), problem));
            }
        }
        return new IntegrityReport.Section("syscall_table", size, findings, problems.isEmpty(), problems);
    }

    /** {@return why {@code target} is not a system call entry point, or null if it is one} */
    private String entryProblem(long target) {
        if (!k.inKernelText(target)) return "points outside kernel text, to " + describe(target);
        Optional<SymbolOffset> s = k.symbols().symbolAt(target);
        if (s.isEmpty() || s.get().offset() != 0) return "points into the middle of " + describe(target);
        if (!isEntry(target)) return "points to " + describe(target) + ", not a " + PREFIX + "* function";
        return null;
    }

    /** {@return true if some symbol starting exactly at {@code va} is a system call entry} */
    private boolean isEntry(long va) {
        Optional<SymbolOffset> s = k.symbols().symbolAt(va);
        if (s.isEmpty() || s.get().offset() != 0) return false;
        // Aliases share an address (__x64_sys_ni_syscall and friends): any of them may carry the name.
        return names(va).stream().anyMatch(n -> n.startsWith(PREFIX));
    }

    private List<String> names(long va) {
        List<String> out = new ArrayList<>();
        List<Symbol> all = k.symbols().all();
        Optional<SymbolOffset> s = k.symbols().symbolAt(va);
        if (s.isEmpty()) return out;
        // symbolAt answers one of the symbols at that address; look around it for its aliases.
        int i = java.util.Collections.binarySearch(all, s.get().symbol(),
                (a, b) -> Long.compareUnsigned(a.address(), b.address()));
        if (i < 0) return List.of(s.get().symbol().name());
        while (i > 0 && all.get(i - 1).address() == va) i--;
        for (int j = i; j < all.size() && all.get(j).address() == va && j - i < 64; j++) out.add(all.get(j).name());
        return out;
    }

    /** Checks the direct branches of x64_sys_call, the dispatcher recent kernels really use. */
    public IntegrityReport.Section dispatch() {
        // Kernels before the mitigation dispatch through the table alone: nothing more to check.
        if (k.features().syscalls() == KernelFeatures.SyscallDispatch.TABLE) {
            return new IntegrityReport.Section("syscall_dispatch", 0, List.of(), true, List.of());
        }
        long start = k.symbol("x64_sys_call");
        long end = nextSymbol(k, start).orElse(start + 4096);
        int len = (int) Math.min(end - start, MAX_DISPATCH_BYTES);
        byte[] code;
        try {
            code = r.bytes(start, len);
        } catch (ChirpException e) {
            return IntegrityReport.Section.failed("syscall_dispatch", "x64_sys_call unreadable: " + e.getMessage());
        }
        Sweep sweep = X86Decoder.sweep(code, start);
        List<IntegrityFinding> findings = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        if (sweep.resyncs() > 0) problems.add(sweep.resyncs() + " undecodable bytes in x64_sys_call stepped over");
        int examined = 0;
        for (Branch b : sweep.branches()) {
            if (b.kind() == Branch.Kind.JCC || b.kind() == Branch.Kind.JMP && b.length() == 2) {
                if (b.target() < start || b.target() >= start + len) {
                    findings.add(new IntegrityFinding.DispatchTarget(b.site(), b.target(), describe(b.target()),
                            "jumps out of x64_sys_call to " + describe(b.target()), !k.inKernelText(b.target())));
                }
                continue;
            }
            examined++;
            if (b.target() >= start && b.target() < start + len) continue;
            if (!k.inKernelText(b.target())) {
                findings.add(new IntegrityFinding.DispatchTarget(b.site(), b.target(), describe(b.target()),
                        "leaves kernel text for " + describe(b.target()), true));
            } else if (!isEntry(b.target()) && !isThunk(b.target())) {
                findings.add(new IntegrityFinding.DispatchTarget(b.site(), b.target(), describe(b.target()),
                        "goes to " + describe(b.target()) + ", not a system call entry", false));
            }
        }
        return new IntegrityReport.Section("syscall_dispatch", examined, findings, problems.isEmpty(), problems);
    }

    /** Return and indirect-branch thunks the compiler emits in place of ret and jmp *reg. */
    private boolean isThunk(long va) {
        return names(va).stream().anyMatch(n -> n.startsWith("__x86_return_thunk") || n.startsWith("__x86_indirect_")
                || n.startsWith("srso_") || n.startsWith("retbleed_") || n.equals("zen_untrain_ret")
                || n.startsWith("__x86_indirect_its_") || n.startsWith("its_return_thunk"));
    }

    /** Checks the first instructions of every system call entry function the table or the dispatcher names. */
    public IntegrityReport.Section inline() {
        Set<Long> entries = new LinkedHashSet<>();
        List<String> problems = new ArrayList<>();
        try {
            long table = k.symbol("sys_call_table");
            int size = tableSize();
            for (int nr = 0; nr < size; nr++) {
                long t = r.u64(table + 8L * nr);
                if (k.inKernelText(t) && isEntry(t)) entries.add(t);
            }
        } catch (ChirpException e) {
            problems.add("sys_call_table: " + e.getMessage());
        }
        for (Symbol s : k.symbols().all()) {
            if (s.name().startsWith(PREFIX) && k.inKernelText(s.address())) entries.add(s.address());
        }
        List<IntegrityFinding> findings = new ArrayList<>();
        for (long fn : entries) {
            try {
                String name = names(fn).stream().filter(n -> n.startsWith(PREFIX)).findFirst().orElse(describe(fn));
                IntegrityFinding f = prologue(fn, name);
                if (f != null) findings.add(f);
            } catch (ChirpException e) {
                problems.add(describe(fn) + ": " + e.getMessage());
            }
        }
        return new IntegrityReport.Section("inline_hooks", entries.size(), findings, problems.isEmpty(), problems);
    }

    /**
     * {@return a finding if the function at {@code fn} is entered through a branch} Looks at the first two
     * instructions past an optional endbr64: the ftrace site (nop5, or call when traced) and the one after it.
     */
    IntegrityFinding prologue(long fn, String name) {
        return switch (k.arch()) {
            case io.chirp.arch.X86_64 x -> prologueX86(fn, name);
            case io.chirp.arch.Aarch64 a -> prologueAarch64(fn, name);
        };
    }

    /**
     * AArch64: past {@code bti c} / {@code paciasp}, a function starts with arm64's ftrace site (two patchable NOPs;
     * {@code mov x9, x30; bl ftrace_caller} when traced) where a patcher writes its jump. A B in the site, a BL to
     * what is not an ftrace trampoline and leaves kernel text, {@code ldr xN, =target; br xN} (the literal-pool jump),
     * and in the next two instructions a B out of kernel text, are hooks. (A B to kernel text after the site is a
     * wrapper's tail call: {@code __arm64_sys_getpid} is {@code b __do_sys_getpid}.)
     */
    IntegrityFinding prologueAarch64(long fn, String name) {
        byte[] c = r.bytes(fn, 32);
        int first = 0;
        while (first < 2 && isLandingPad(io.chirp.arch.Aarch64Decoder.word(c, 4 * first))) first++;
        for (int i = first; i < first + 4; i++) {
            int insn = io.chirp.arch.Aarch64Decoder.word(c, 4 * i);
            long pc = fn + 4L * i;
            boolean site = i < first + 2;
            String bytes = HexFormat.of().formatHex(c, 4 * i, Math.min(4 * i + 12, c.length));
            Branch b = io.chirp.arch.Aarch64Decoder.branch(insn, pc);
            if (b != null && b.kind() == Branch.Kind.CALL) {
                Optional<HooksCheck.TrampolineOwner> owner = hooks.ftraceTrampolineOwner(b.target());
                if (owner.isPresent()) {
                    return new IntegrityFinding.FtraceHooked(name, fn, b.target(), owner.get().description(), owner.get().severity());
                }
                if (!k.inKernelText(b.target())) {
                    return new IntegrityFinding.InlineHook(name, pc, b.target(), describe(b.target()), bytes, true);
                }
                continue;
            }
            if (b != null && b.kind() == Branch.Kind.JMP && (site || !k.inKernelText(b.target()))) {
                return new IntegrityFinding.InlineHook(name, pc, b.target(), describe(b.target()), bytes, !k.inKernelText(b.target()));
            }
            if ((insn & 0xff00_0000) == 0x5800_0000) {                         // LDR Xt, literal
                int rt = insn & 0x1f;
                int next = io.chirp.arch.Aarch64Decoder.word(c, 4 * i + 4);
                if ((next & 0xffff_fc1f) == 0xd61f_0000 && ((next >>> 5) & 0x1f) == rt) { // BR Xt
                    long slot = pc + (((long) (insn >>> 5) << 45) >> 43);     // imm19 * 4, sign-extended
                    long target = r.u64(slot);
                    return new IntegrityFinding.InlineHook(name, pc, target, describe(target), bytes, !k.inKernelText(target));
                }
            }
        }
        return null;
    }

    /** {@return true for BTI C/J/JC and PACIASP/PACIBSP, the hints a function entry may start with} */
    private static boolean isLandingPad(int insn) {
        return (insn & 0xffff_ff3f) == 0xd503_241f || insn == 0xd503_233f || insn == 0xd503_237f;
    }

    IntegrityFinding prologueX86(long fn, String name) {
        byte[] c = r.bytes(fn, 32);
        int off = 0;
        if ((c[0] & 0xff) == 0xf3 && (c[1] & 0xff) == 0x0f && (c[2] & 0xff) == 0x1e && (c[3] & 0xff) == 0xfa) off = 4;
        for (int insn = 0; insn < 2 && off < 16; insn++) {
            int op = c[off] & 0xff;
            String bytes = HexFormat.of().formatHex(c, off, Math.min(off + 12, c.length));
            if (op == 0xe8 || op == 0xe9) {
                long target = fn + off + 5 + X86Decoder.rel32(c, off + 1);
                if (op == 0xe8 && insn == 0) {
                    Optional<HooksCheck.TrampolineOwner> owner = hooks.ftraceTrampolineOwner(target);
                    if (owner.isPresent()) {
                        return new IntegrityFinding.FtraceHooked(name, fn, target, owner.get().description(),
                                owner.get().severity());
                    }
                }
                if (op == 0xe9 || !k.inKernelText(target)) {
                    return new IntegrityFinding.InlineHook(name, fn + off, target, describe(target), bytes,
                            !k.inKernelText(target));
                }
            } else if (op == 0xff && (c[off + 1] & 0xff) == 0x25) {                    // jmp [rip+disp32]
                long slot = fn + off + 6 + X86Decoder.rel32(c, off + 2);
                long target = r.u64(slot);
                return new IntegrityFinding.InlineHook(name, fn + off, target, describe(target), bytes,
                        !k.inKernelText(target));
            } else if ((op == 0x48 || op == 0x49) && (c[off + 1] & 0xf8) == 0xb8
                    && (c[off + 10] & 0xff) == (op == 0x49 ? 0x41 : 0xff)) {            // movabs reg, imm64; jmp reg
                long target = HiddenModules.le64(c, off + 2);
                return new IntegrityFinding.InlineHook(name, fn + off, target, describe(target), bytes,
                        !k.inKernelText(target));
            } else if (op == 0x68 && (c[off + 5] & 0xff) == 0xc3) {                     // push imm32; ret
                long target = X86Decoder.rel32(c, off + 1);
                return new IntegrityFinding.InlineHook(name, fn + off, target, describe(target), bytes, true);
            }
            int n = X86Decoder.length(c, off);
            if (n <= 0) break;
            off += n;
        }
        return null;
    }

    /** {@return "symbol+0xoff", "module NAME", or the bare address} */
    String describe(long va) { return hooks.describe(va); }

    /** {@return the address of the first symbol above {@code va}: where an object at {@code va} must end} */
    static Optional<Long> nextSymbol(LinuxKernel k, long va) {
        List<Symbol> all = k.symbols().all();
        int lo = 0, hi = all.size();
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (Long.compareUnsigned(all.get(mid).address(), va) <= 0) lo = mid + 1; else hi = mid;
        }
        return lo < all.size() ? Optional.of(all.get(lo).address()) : Optional.empty();
    }
}
