package io.chirp.linux.integrity;

import io.chirp.core.ChirpException;
import io.chirp.core.VcpuState;
import io.chirp.linux.LinuxKernel;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Runs the integrity checks over one attached kernel and gathers their sections into a report. A check that
 * fails outright (a structure this kernel lacks, unreadable memory) becomes a failed section, never an exception:
 * the other checks still run.
 */
public final class IntegrityCheck {
    /** The integrity checks: views of the kernel that disagree, control flow leaving kernel code. */
    public static final List<String> INTEGRITY = List.of("hidden_processes", "hidden_modules", "syscall_table",
            "syscall_dispatch", "inline_hooks", "idt", "kprobes", "ftrace", "credentials", "kernel_threads");
    /**
     * The heuristics ({@link ProcessHeuristics}, {@link ModuleHeuristics}): what clean systems rarely show and
     * intruders often do. They judge the state, not a change, so a monitor that alerts on changes runs
     * {@link #INTEGRITY} only.
     */
    public static final List<String> HEURISTICS = List.of("wx_memory", "exe_location", "masquerade", "orphans",
            "module_taint", "rootkit_modules");
    /** Every check, in the order they run. */
    public static final List<String> ALL = java.util.stream.Stream.concat(INTEGRITY.stream(), HEURISTICS.stream()).toList();

    private final LinuxKernel k;
    private final List<? extends VcpuState> cpus;

    /** @param cpus vCPU states (live registers or an image's notes; may be empty) for the IDTR or VBAR_EL1 */
    public IntegrityCheck(LinuxKernel k, List<? extends VcpuState> cpus) {
        this.k = k;
        this.cpus = List.copyOf(cpus);
    }

    /** Runs every check. */
    public IntegrityReport run() { return run(Set.copyOf(ALL)); }

    /** Runs the named checks (see {@link #ALL}). */
    public IntegrityReport run(Set<String> only) {
        for (String c : only) if (!ALL.contains(c)) throw ChirpException.usage("unknown check '" + c + "' (known: " + ALL + ")");
        HooksCheck hooks = new HooksCheck(k);
        List<IntegrityReport.Section> out = new ArrayList<>();
        for (String c : ALL) {
            if (!only.contains(c)) continue;
            out.add(guarded(c, switch (c) {
                case "hidden_processes" -> () -> new HiddenProcesses(k).check();
                case "hidden_modules" -> () -> new HiddenModules(k).check();
                case "syscall_table" -> () -> new SyscallCheck(k, hooks).table();
                case "syscall_dispatch" -> () -> new SyscallCheck(k, hooks).dispatch();
                case "inline_hooks" -> () -> new SyscallCheck(k, hooks).inline();
                case "idt" -> () -> new IdtCheck(k, cpus, hooks).check();
                case "kprobes" -> hooks::kprobes;
                case "ftrace" -> hooks::ftrace;
                case "credentials" -> () -> new CredentialsCheck(k).check();
                case "kernel_threads" -> () -> kernelThreads(k);
                case "wx_memory" -> () -> new ProcessHeuristics(k).wxMemory();
                case "exe_location" -> () -> new ProcessHeuristics(k).exeLocation();
                case "masquerade" -> () -> new ProcessHeuristics(k).masquerade();
                case "orphans" -> () -> new ProcessHeuristics(k).orphans();
                case "module_taint" -> () -> new ModuleHeuristics(k).taints();
                case "rootkit_modules" -> () -> new ModuleHeuristics(k).rootkitNames();
                default -> throw new IllegalStateException(c);
            }));
        }
        return new IntegrityReport(out);
    }

    /** Kernel threads whose function no kernel text or listed module holds ({@link io.chirp.linux.KernelThreads}). */
    private static IntegrityReport.Section kernelThreads(LinuxKernel k) {
        io.chirp.linux.KernelThreads.Listing l = new io.chirp.linux.KernelThreads(k).list();
        List<IntegrityFinding> found = new java.util.ArrayList<>();
        List<String> problems = new java.util.ArrayList<>(l.problems());
        for (io.chirp.linux.KernelThreads.Thread t : l.threads()) {
            for (String p : t.problems()) problems.add("pid " + t.process().pid() + ": " + p);
            if (t.suspicious()) {
                found.add(new IntegrityFinding.SuspiciousKernelThread(t.process().pid(), t.process().comm(), t.process().task(),
                        t.function()));
            }
        }
        return new IntegrityReport.Section("kernel_threads", l.threads().size(), found, problems.isEmpty(), problems);
    }

    private static IntegrityReport.Section guarded(String check, Supplier<IntegrityReport.Section> s) {
        try {
            return s.get();
        } catch (ChirpException e) {
            return IntegrityReport.Section.failed(check, e.getMessage());
        }
    }
}
