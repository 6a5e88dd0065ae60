package io.chirp.linux.integrity;

import io.chirp.core.ChirpException;
import io.chirp.linux.KernelReader;
import io.chirp.linux.LinuxKernel;
import io.chirp.linux.ModuleInfo;
import io.chirp.linux.Modules;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;

/**
 * Heuristics over loaded modules: what the kernel itself marked as not coming from the distribution (taint letters
 * and the signature verdict), and names of publicly known Linux rootkits. A rootkit can rename itself, so a clean
 * name proves nothing; but a module still called {@code diamorphine} is never benign.
 */
public final class ModuleHeuristics {
    /** Taint letters a module can carry (kernel/panic.c taint_flags), with what they mean for an analyst. */
    private static final Map<Character, String> MEANINGS = Map.of(
            'P', "proprietary (non-GPL licence)",
            'O', "out of tree (not built with the kernel)",
            'E', "unsigned (loaded without a valid signature)",
            'F', "force-loaded (version checks skipped)",
            'C', "from the staging tree");
    private static final String ORDER = "PFOEC";

    /**
     * Publicly known Linux kernel rootkits (names as their modules load), lower case with '-' as '_'. Sources: the
     * rkhunter and chkrootkit LKM lists, and open-source rootkits on GitHub.
     */
    static final Map<String, String> ROOTKITS = Map.ofEntries(
            Map.entry("knark", "Knark"), Map.entry("adore", "Adore"), Map.entry("adore_ng", "Adore-ng"),
            Map.entry("diamorphine", "Diamorphine"), Map.entry("reptile", "Reptile"),
            Map.entry("reptile_module", "Reptile"), Map.entry("suterusu", "Suterusu"), Map.entry("kbeast", "KBeast"),
            Map.entry("ipsecs_kbeast_v1", "KBeast"), Map.entry("enyelkm", "Enye LKM"), Map.entry("phalanx", "Phalanx"),
            Map.entry("modhide", "modhide"), Map.entry("rial", "Rial"), Map.entry("nurupo", "Nurupo"),
            Map.entry("brokepkg", "brokepkg"), Map.entry("kovid", "KoviD"), Map.entry("singularity", "Singularity"),
            Map.entry("reveng_rtkit", "reveng_rtkit"), Map.entry("khook", "KHOOK"), Map.entry("puszek", "Puszek"),
            Map.entry("rootfoo", "rootfoo"), Map.entry("sebek", "Sebek"), Map.entry("hide_lsmod", "hide_lsmod"),
            Map.entry("kis", "KIS"), Map.entry("synapsys", "Synapsys"), Map.entry("lkmrk", "lkm rootkit"),
            Map.entry("rkit", "rkit"), Map.entry("vlany", "Vlany"), Map.entry("bdvl", "bdvl"),
            Map.entry("drovorub", "Drovorub"), Map.entry("skidmap", "Skidmap"), Map.entry("umbreon", "Umbreon"),
            Map.entry("ebury", "Ebury"), Map.entry("rooty", "rooty"), Map.entry("lilyofthevalley", "Lilyofthevalley"));

    private final LinuxKernel k;
    private final KernelReader r;
    private final OptionalLong sigOk;

    public ModuleHeuristics(LinuxKernel k) {
        this.k = k;
        this.r = k.reader();
        this.sigOk = k.layout().find("module", "sig_ok"); // CONFIG_MODULE_SIG only
    }

    /** {@return modules the kernel marked as unsigned, out of tree, proprietary, forced or from staging} */
    public IntegrityReport.Section taints() {
        Modules.Listing l = new Modules(k).list();
        List<String> problems = new ArrayList<>();
        if (!l.walk().complete()) problems.add("module list: " + l.walk().problem());
        List<IntegrityFinding> out = new ArrayList<>();
        for (ModuleInfo m : l.modules()) {
            Boolean ok = null;
            if (sigOk.isPresent()) {
                try {
                    ok = r.u8(m.address() + sigOk.getAsLong()) != 0;
                } catch (ChirpException e) {
                    problems.add("module " + m.name() + " sig_ok: " + e.getMessage());
                }
            }
            if (m.taints() == null) problems.add("module " + m.name() + ": taints unreadable");
            String t = m.taints() == null ? "" : m.taints();
            List<String> meanings = new ArrayList<>();
            for (char c : ORDER.toCharArray()) if (t.indexOf(c) >= 0) meanings.add(MEANINGS.get(c));
            // A module that cleared its own 'E' still fails the signature verdict the loader recorded.
            if (Boolean.FALSE.equals(ok) && t.indexOf('E') < 0) meanings.add("unsigned (sig_ok false, no taint recorded)");
            if (!meanings.isEmpty()) out.add(new IntegrityFinding.TaintedModule(m.name(), m.address(), t, meanings, ok));
        }
        return new IntegrityReport.Section("module_taint", l.modules().size(), out, problems.isEmpty(), problems);
    }

    /** {@return modules named like a known rootkit} */
    public IntegrityReport.Section rootkitNames() {
        Modules.Listing l = new Modules(k).list();
        List<String> problems = new ArrayList<>();
        if (!l.walk().complete()) problems.add("module list: " + l.walk().problem());
        List<IntegrityFinding> out = new ArrayList<>();
        for (ModuleInfo m : l.modules()) {
            String rk = rootkit(m.name());
            if (rk != null) out.add(new IntegrityFinding.RootkitModule(m.name(), m.address(), rk));
        }
        return new IntegrityReport.Section("rootkit_modules", l.modules().size(), out, problems.isEmpty(), problems);
    }

    /** {@return the rootkit a module name belongs to, or null} */
    static String rootkit(String moduleName) {
        return ROOTKITS.get(moduleName.toLowerCase(Locale.ROOT).replace('-', '_'));
    }
}
