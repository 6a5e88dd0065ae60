package io.chirp.linux.integrity;

import io.chirp.core.ChirpException;
import io.chirp.linux.KernelReader;
import io.chirp.linux.Layout;
import io.chirp.linux.LinuxKernel;
import io.chirp.linux.ModuleInfo;
import io.chirp.linux.Modules;
import io.chirp.linux.Walk;
import io.chirp.symbols.SymbolOffset;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The kernel's own hooking mechanisms, enumerated: registered kprobes ({@code kprobe_table}) and ftrace callbacks
 * ({@code ftrace_ops_list}). Both are legitimate (tracing, live patching, security agents) and both are what
 * rootkits use to hook without patching code themselves, so every one is listed with who handles it: a handler
 * in kernel text is informational, one in a listed module a warning, one in neither critical.
 * Also resolves addresses to their owner (kernel symbol or module) for every other check.
 */
public final class HooksCheck {
    static final int MAX_BUCKETS = 4096;
    static final int MAX_PER_BUCKET = 4096;
    static final int MAX_OPS = 4096;

    private final LinuxKernel k;
    private final KernelReader r;
    private final List<ModuleInfo> modules;
    private final long kpList, kpAddr, kpPre, kpPost, kretHandler, kretKp, opsFunc, opsNext, opsFlags, opsTramp,
            opsTrampSize;

    public HooksCheck(LinuxKernel k) {
        this.k = k;
        this.r = k.reader();
        List<ModuleInfo> mods;
        try {
            mods = new Modules(k).list().modules();
        } catch (ChirpException e) {
            mods = List.of();
        }
        this.modules = mods;
        Layout l = k.layout();
        kpList = l.offset("kprobe", "list");
        kpAddr = l.offset("kprobe", "addr");
        kpPre = l.offset("kprobe", "pre_handler");
        kpPost = l.offset("kprobe", "post_handler");
        kretKp = l.offset("kretprobe", "kp");
        kretHandler = l.offset("kretprobe", "handler");
        opsFunc = l.offset("ftrace_ops", "func");
        opsNext = l.offset("ftrace_ops", "next");
        opsFlags = l.offset("ftrace_ops", "flags");
        opsTramp = l.find("ftrace_ops", "trampoline").orElse(-1);
        opsTrampSize = l.find("ftrace_ops", "trampoline_size").orElse(-1);
    }

    /** {@return the modules on the module list, read once for owner lookups} */
    public List<ModuleInfo> modules() { return modules; }

    /** Lists every registered kprobe (aggregated probes expanded to their members). */
    public IntegrityReport.Section kprobes() {
        long table;
        int buckets;
        try {
            table = k.symbol("kprobe_table");
            buckets = (int) Math.min(MAX_BUCKETS, Math.max(1, extent(table) / 8));
        } catch (ChirpException e) {
            return IntegrityReport.Section.failed("kprobes", e.getMessage());
        }
        List<IntegrityFinding> findings = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        long aggr = k.symbols().lookup("aggr_pre_handler").map(s -> s.address()).orElse(0L);
        long kret = k.symbols().lookup("pre_handler_kretprobe").map(s -> s.address()).orElse(0L);
        int examined = 0;
        for (int b = 0; b < buckets; b++) {
            Walk w = Walk.hlist(r, table + 8L * b, 0, MAX_PER_BUCKET); // kprobe.hlist is its first member
            if (!w.complete()) problems.add("bucket " + b + ": " + w.problem());
            for (long kp : w.items()) {
                examined++;
                try {
                    long pre = r.u64(kp + kpPre);
                    List<Long> probes = List.of(kp);
                    if (pre != 0 && pre == aggr) {
                        Walk members = Walk.listHead(r, kp + kpList, kpList, MAX_PER_BUCKET);
                        if (!members.complete()) problems.add("aggregated kprobe: " + members.problem());
                        probes = members.items();
                    }
                    for (long p : probes) findings.add(kprobe(p, kret));
                } catch (ChirpException e) {
                    problems.add("kprobe at 0x" + Long.toHexString(kp) + ": " + e.getMessage());
                }
            }
        }
        return new IntegrityReport.Section("kprobes", examined, findings, problems.isEmpty(), problems);
    }

    private IntegrityFinding kprobe(long kp, long kretPre) {
        long addr = r.u64(kp + kpAddr);
        long pre = r.u64(kp + kpPre);
        long post = r.u64(kp + kpPost);
        // A kretprobe's own handler sits in the struct kretprobe around the kprobe.
        long handler = pre != 0 && pre == kretPre ? r.u64(kp - kretKp + kretHandler) : pre;
        return new IntegrityFinding.Kprobe(addr, describe(addr), describe(handler), post == 0 ? "-" : describe(post),
                owner(handler), severity(handler));
    }

    /** Lists every ftrace_ops on ftrace_ops_list. */
    public IntegrityReport.Section ftrace() {
        List<IntegrityFinding> findings = new ArrayList<>();
        Walk w = ftraceOps();
        for (long ops : w.items()) {
            try {
                long func = r.u64(ops + opsFunc);
                long tramp = opsTramp >= 0 ? r.u64(ops + opsTramp) : 0;
                findings.add(new IntegrityFinding.FtraceOps(ops, describe(func), tramp, r.u64(ops + opsFlags),
                        owner(func), severity(func)));
            } catch (ChirpException e) {
                return new IntegrityReport.Section("ftrace", w.items().size(), findings, false,
                        List.of("ftrace_ops at 0x" + Long.toHexString(ops) + ": " + e.getMessage()));
            }
        }
        return new IntegrityReport.Section("ftrace", w.items().size(), findings, w.complete(),
                w.complete() ? List.of() : List.of(w.problem()));
    }

    /** {@return the ftrace_ops on ftrace_ops_list, which ends at &ftrace_list_end rather than NULL} */
    public Walk ftraceOps() {
        long end, first;
        try {
            end = k.symbol("ftrace_list_end");
            first = r.u64(k.symbol("ftrace_ops_list"));
        } catch (ChirpException e) {
            return Walk.partial(List.of(), "ftrace_ops_list unavailable: " + e.getMessage());
        }
        return Walk.chain(r, first, opsNext, 0, p -> p == end || p == 0, MAX_OPS);
    }

    /**
     * Who an ftrace call site's target belongs to.
     *
     * @param description the trampoline and the callback(s) it runs
     * @param severity    the most severe of its callbacks' (kernel text: info; module: warning; elsewhere: critical)
     */
    public record TrampolineOwner(String description, IntegrityFinding.Severity severity) {}

    /**
     * {@return who a call from an ftrace site to {@code target} belongs to, if it is ftrace's} The generic callers
     * (ftrace_caller, ftrace_regs_caller) run every ops on the list; a dynamic trampoline belongs to one ops.
     */
    public Optional<TrampolineOwner> ftraceTrampolineOwner(long target) {
        Optional<SymbolOffset> s = k.info().inImage(target) ? k.symbols().symbolAt(target) : Optional.empty();
        Walk ops = ftraceOps();
        if (s.isPresent() && s.get().offset() == 0 && s.get().symbol().name().matches("ftrace_(regs_)?caller|ftrace_stub")) {
            String funcs = ops.items().stream().map(this::opsFunc).collect(Collectors.joining(", "));
            IntegrityFinding.Severity worst = IntegrityFinding.Severity.INFO;
            for (long o : ops.items()) worst = max(worst, opsSeverity(o));
            return Optional.of(new TrampolineOwner(s.get().symbol().name() + " -> " + (funcs.isEmpty() ? "no ops" : funcs),
                    worst));
        }
        if (opsTramp < 0) return Optional.empty();
        for (long o : ops.items()) {
            try {
                long t = r.u64(o + opsTramp), size = opsTrampSize >= 0 ? r.u64(o + opsTrampSize) : 1;
                if (t != 0 && Long.compareUnsigned(target - t, Math.max(size, 1)) < 0) {
                    return Optional.of(new TrampolineOwner("trampoline of ftrace_ops 0x" + Long.toHexString(o) + " -> "
                            + opsFunc(o), opsSeverity(o)));
                }
            } catch (ChirpException e) {
                // an unreadable ops cannot own it
            }
        }
        return Optional.empty();
    }

    private IntegrityFinding.Severity opsSeverity(long ops) {
        try {
            return severity(r.u64(ops + opsFunc));
        } catch (ChirpException e) {
            return IntegrityFinding.Severity.CRITICAL;
        }
    }

    private static IntegrityFinding.Severity max(IntegrityFinding.Severity a, IntegrityFinding.Severity b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    private String opsFunc(long ops) {
        try {
            return describe(r.u64(ops + opsFunc));
        } catch (ChirpException e) {
            return "?";
        }
    }

    /** {@return "kernel", "module NAME", or "unknown (neither kernel text nor a listed module)"} */
    public String owner(long va) {
        if (k.info().inImage(va)) return "kernel";
        Optional<ModuleInfo> m = Modules.owner(modules, va);
        return m.map(x -> "module " + x.name()).orElse("unknown");
    }

    /** Kernel text: informational; a listed module: warning; anywhere else: critical. */
    IntegrityFinding.Severity severity(long handler) {
        if (k.inKernelText(handler)) return IntegrityFinding.Severity.INFO;
        if (Modules.owner(modules, handler).isPresent()) return IntegrityFinding.Severity.WARNING;
        return IntegrityFinding.Severity.CRITICAL;
    }

    /** {@return "symbol+0xoff" in the kernel image, "module+0xoff" in a listed module, else the address} */
    public String describe(long va) {
        if (va == 0) return "NULL";
        if (k.info().inImage(va)) {
            return k.symbols().symbolAt(va).map(s -> s.offset() == 0 ? s.symbol().name()
                    : s.symbol().name() + "+0x" + Long.toHexString(s.offset())).orElse(hex(va));
        }
        Optional<ModuleInfo> m = Modules.owner(modules, va);
        if (m.isPresent()) return "[" + m.get().name() + "]+0x" + Long.toHexString(va - m.get().base());
        return hex(va);
    }

    private long extent(long symbol) {
        return SyscallCheck.nextSymbol(k, symbol).map(n -> n - symbol).orElse(8L);
    }

    private static String hex(long v) { return "0x" + Long.toHexString(v); }
}
