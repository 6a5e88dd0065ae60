package io.chirp.linux;

import io.chirp.core.ChirpException;
import io.chirp.symbols.SymbolOffset;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * The loaded kernel modules, read from the kernel's {@code modules} list, as {@code lsmod} and /proc/modules show
 * them. How the kernel records a module's memory changed in 6.4 ({@code core_layout} became {@code mem[]}); which
 * one this kernel has is decided once, here, from BTF.
 */
public final class Modules {
    /** More modules than any real kernel loads; a list longer than this is corrupt or hostile. */
    public static final int MAX_MODULES = 1 << 14;
    /** Parameters per module we read at most. */
    public static final int MAX_PARAMS = 1024;
    private static final int MAX_PARAM_STRING = 1024;
    /** TAINT_* bit numbers map to these letters (kernel/panic.c taint_flags), bit 0 first. */
    private static final String TAINT_LETTERS = "PFSRMBUDAWCIOELKXTN";
    private static final String[] STATES = {"LIVE", "COMING", "GOING", "UNFORMED"};
    /** 6.4+: MOD_TEXT, the first of mod->mem[]; its base is the address /proc/modules prints. */
    private static final int MOD_MEM_TYPES = 7;

    /**
     * A listing and whether the walk that produced it was complete.
     *
     * @param modules the rows, in list order (newest first, as the kernel keeps them)
     * @param walk    the list walk (incomplete if the list was corrupt or changed under us)
     */
    public record Listing(List<ModuleInfo> modules, Walk walk) {}

    private final LinuxKernel k;
    private final KernelReader r;
    final long list, name, state, mkobj, mkobjMod, kobjEntry, ksetList, kp, numKp, taints;
    final int nameSize;
    private final long refcnt;
    // Either the 6.1 layout pair or the 6.4+ mem[] array: the other stays -1.
    private final long coreBase, coreSize, initSize, mem, memStride, memBase, memSize;
    private final long kpName, kpOps, kpArg, kpSize, kstrMaxlen, kstrString;

    public Modules(LinuxKernel k) {
        this.k = k;
        this.r = k.reader();
        Layout l = k.layout();
        list = l.offset("module", "list");
        name = l.offset("module", "name");
        state = l.offset("module", "state");
        mkobj = l.offset("module", "mkobj");
        mkobjMod = l.offset("module_kobject", "mod");
        kobjEntry = l.offset("kobject", "entry");
        ksetList = l.offset("kset", "list");
        kp = l.offset("module", "kp");
        numKp = l.offset("module", "num_kp");
        taints = l.offset("module", "taints");
        nameSize = k.features().moduleNameSize();
        refcnt = l.find("module", "refcnt").orElse(-1);
        if (k.features().moduleMemory() == KernelFeatures.ModuleMemory.CORE_LAYOUT) {
            long cl = l.offset("module", "core_layout");
            coreBase = cl + l.offset("module_layout", "base");
            coreSize = cl + l.offset("module_layout", "size");
            initSize = l.offset("module", "init_layout") + l.offset("module_layout", "size");
            mem = memStride = memBase = memSize = -1;
        } else {
            mem = l.offset("module", "mem");
            memStride = l.size("module_memory");
            memBase = l.offset("module_memory", "base");
            memSize = l.offset("module_memory", "size");
            coreBase = coreSize = initSize = -1;
        }
        kpName = l.offset("kernel_param", "name");
        kpOps = l.offset("kernel_param", "ops");
        kpArg = l.find("kernel_param", "arg").orElse(-1);
        kpSize = l.size("kernel_param");
        kstrMaxlen = l.offset("kparam_string", "maxlen");
        kstrString = l.offset("kparam_string", "string");
    }

    /**
     * {@return the address of every struct module on the {@code modules} list} Only that list (walked back via prev
     * past a broken link), so that the hidden-module check can compare it with the other views.
     */
    public Walk addresses() {
        return Walk.listHead(r, k.symbol("modules"), list, MAX_MODULES);
    }

    /**
     * Lists the modules on the kernel's module list. A broken link or an unreadable module costs completeness (the
     * listing's walk says what and how much was recovered), never the other modules.
     */
    public Listing list() {
        Walk w = addresses();
        if (!w.complete()) w = recoverFromSysfs(w);
        List<ModuleInfo> out = new ArrayList<>(w.items().size());
        List<String> problems = new ArrayList<>();
        for (long m : w.items()) {
            try {
                out.add(read(m));
            } catch (ChirpException e) {
                problems.add("module at 0x" + Long.toHexString(m) + " unreadable, left out: " + e.getMessage());
            }
        }
        return new Listing(out, w.with(List.of(), String.join("; ", problems)));
    }

    /**
     * {@return the struct module of every module kobject in /sys/module ({@code module_kset->list})} A second view of
     * the loaded modules, independent of the module list; built-in modules (which have no struct module) are skipped.
     */
    public Walk sysfsView() {
        long kset;
        try {
            kset = r.u64(k.symbol("module_kset"));
        } catch (ChirpException e) {
            return Walk.partial(List.of(), "module_kset unreadable: " + e.getMessage());
        }
        Walk kobjs = Walk.listHead(r, kset + ksetList, kobjEntry, MAX_MODULES);
        List<Long> out = new ArrayList<>();
        for (long kobj : kobjs.items()) {
            // module_kobject begins with its kobject; its mod is NULL for built-in modules with parameters.
            long mod;
            try {
                mod = r.u64(kobj + mkobjMod);
            } catch (ChirpException e) {
                continue;
            }
            if (mod != 0 && mod + mkobj == kobj) out.add(mod);
        }
        return new Walk(out, kobjs.complete(), kobjs.problem());
    }

    /** Adds the modules that only sysfs knows to a broken module-list walk, and says how many. */
    private Walk recoverFromSysfs(Walk broken) {
        java.util.Set<Long> known = new java.util.HashSet<>(broken.items());
        Walk sysfs = sysfsView();
        List<Long> more = new ArrayList<>();
        for (long m : sysfs.items()) if (known.add(m)) more.add(m);
        return broken.with(more, "sysfs (module_kset) gave " + more.size() + " more "
                + (more.size() == 1 ? "module" : "modules") + " the module-list walk missed"
                + (sysfs.complete() ? "" : " (sysfs view partial too: " + sysfs.problem() + ")"));
    }

    /** Reads one struct module into a row; throws only if even its name is unreadable. */
    public ModuleInfo read(long mod) {
        List<String> problems = new ArrayList<>();
        String n = r.chars(mod + name, nameSize);
        String st = null;
        try {
            int s = r.u32(mod + state);
            st = s >= 0 && s < STATES.length ? STATES[s] : "UNKNOWN(" + s + ")";
        } catch (ChirpException e) {
            problems.add("state: " + e.getMessage());
        }
        long base = 0;
        Long size = null;
        try {
            if (mem < 0) {
                base = r.u64(mod + coreBase);
                size = (r.u32(mod + coreSize) & 0xffff_ffffL) + (r.u32(mod + initSize) & 0xffff_ffffL);
            } else {
                base = r.u64(mod + mem + memBase);
                long total = 0;
                for (int t = 0; t < MOD_MEM_TYPES; t++) total += r.u32(mod + mem + t * memStride + memSize) & 0xffff_ffffL;
                size = total;
            }
        } catch (ChirpException e) {
            problems.add("memory layout: " + e.getMessage());
        }
        Integer refs = null;
        if (refcnt >= 0) {
            try {
                refs = r.u32(mod + refcnt) - 1; // MODULE_REF_BASE: the kernel holds one reference itself
            } catch (ChirpException e) {
                problems.add("refcnt: " + e.getMessage());
            }
        }
        String taint = null;
        try {
            taint = taintLetters(r.u64(mod + taints));
        } catch (ChirpException e) {
            problems.add("taints: " + e.getMessage());
        }
        List<ModuleInfo.Param> params = List.of();
        try {
            params = parameters(mod, problems);
        } catch (ChirpException e) {
            problems.add("parameters: " + e.getMessage());
        }
        return new ModuleInfo(n, base, size, st, refs, taint, params, mod, problems);
    }

    /** {@return the taint letters for a TAINT_* bit mask, in the kernel's order} */
    static String taintLetters(long mask) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < TAINT_LETTERS.length(); i++) if ((mask & (1L << i)) != 0) sb.append(TAINT_LETTERS.charAt(i));
        return sb.toString();
    }

    private List<ModuleInfo.Param> parameters(long mod, List<String> problems) {
        long arr = r.u64(mod + kp);
        long count = r.u32(mod + numKp) & 0xffff_ffffL;
        if (count > MAX_PARAMS) {
            problems.add("parameters: " + count + " claimed, read the first " + MAX_PARAMS);
            count = MAX_PARAMS;
        }
        List<ModuleInfo.Param> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            long p = arr + i * kpSize;
            String pname;
            try {
                pname = r.cstring(r.u64(p + kpName), 256);
            } catch (ChirpException e) {
                problems.add("parameter " + i + ": " + e.getMessage());
                continue;
            }
            String type = "?";
            String value = null;
            try {
                long ops = r.u64(p + kpOps);
                type = k.symbols().symbolAt(ops).filter(s -> s.offset() == 0).map(SymbolOffset::symbol)
                        .map(s -> s.name().startsWith("param_ops_") ? s.name().substring(10) : s.name())
                        .orElse("0x" + Long.toHexString(ops));
                if (kpArg >= 0) value = value(type, r.u64(p + kpArg));
            } catch (ChirpException e) {
                problems.add("parameter " + pname + ": " + e.getMessage());
            }
            out.add(new ModuleInfo.Param(pname, type, value));
        }
        return out;
    }

    /** Formats a parameter the way its standard ops' get() would; null for types we do not interpret. */
    private String value(String type, long arg) {
        return switch (type) {
            case "int" -> Integer.toString(r.u32(arg));
            case "uint" -> Integer.toUnsignedString(r.u32(arg));
            case "hexint" -> "0x" + Integer.toHexString(r.u32(arg));
            case "long" -> Long.toString(r.u64(arg));
            case "ulong" -> Long.toUnsignedString(r.u64(arg));
            case "ullong" -> Long.toUnsignedString(r.u64(arg));
            case "short" -> Short.toString((short) r.u16(arg));
            case "ushort" -> Integer.toString(r.u16(arg));
            case "byte" -> Integer.toString(r.u8(arg));
            case "bool", "bool_enable_only" -> r.u8(arg) != 0 ? "Y" : "N";
            case "invbool" -> r.u8(arg) != 0 ? "N" : "Y";
            case "bint" -> r.u32(arg) != 0 ? "Y" : "N";
            case "charp" -> {
                long s = r.u64(arg);
                yield s == 0 ? "(null)" : r.cstring(s, MAX_PARAM_STRING);
            }
            case "string" -> {
                int max = Math.min(r.u32(arg + kstrMaxlen), MAX_PARAM_STRING);
                yield max <= 0 ? "" : r.cstring(r.u64(arg + kstrString), max);
            }
            default -> null;
        };
    }

    /** {@return the module whose core memory holds {@code va}, among {@code modules}} */
    public static java.util.Optional<ModuleInfo> owner(List<ModuleInfo> modules, long va) {
        return modules.stream().filter(m -> m.contains(va)).findFirst();
    }
}
