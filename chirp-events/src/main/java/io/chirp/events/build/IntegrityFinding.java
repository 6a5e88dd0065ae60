package io.chirp.events.build;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chirp.events.Severity;

import java.util.List;
import java.util.Objects;

/**
 * CHIRP's kernel integrity findings (hidden process, hidden module, system call hook) as Detection Findings.
 * They are CHIRP's own analytics ({@code chirp.integrity.*}); the evidence says what was seen where, because
 * seeing the difference between two kernel views from outside the guest is the whole point of these checks.
 */
public final class IntegrityFinding {
    /** Hidden process: present in one kernel view (e.g. the pid hash / run queues) but missing from the task list. */
    public static final Rule HIDDEN_PROCESS = new Rule("chirp.integrity.hidden_process", "Hidden process",
            "Process hidden from the guest's task list",
            "A process is visible from the hypervisor in one kernel structure but unlinked from another, "
                    + "as rootkits do to hide it from ps and /proc.", List.of("hidden_processes", "hidden_process", "Integrity"));
    /** Hidden module: module memory or kobject present but the module is not on the kernel's module list. */
    public static final Rule HIDDEN_MODULE = new Rule("chirp.integrity.hidden_module", "Hidden kernel module",
            "Kernel module hidden from the module list",
            "A kernel module is present in memory but missing from the module list (lsmod, /proc/modules).",
            List.of("hidden_modules", "hidden_module", "Integrity"));
    /** System call hook: a syscall table entry points outside the kernel's core text. */
    public static final Rule SYSCALL_HOOK = new Rule("chirp.integrity.syscall_hook", "System call hook",
            "System call table entry hooked",
            "A system call table entry points outside the kernel's own text, typically into a module.",
            List.of("syscall_table", "syscall_hook", "Integrity"));

    /** OCSF analytic.type_id 99 (Other, named by its caption): an integrity check is not a detection rule. */
    static final int CHECK_TYPE_ID = 99;
    static final String CHECK_TYPE = "Integrity Check";

    private IntegrityFinding() {}

    /**
     * {@return a finding of any kernel integrity check}
     *
     * @param check    the check's name ("syscall_dispatch", "inline_hooks", "idt", "credentials", ...), listed first
     *                 in finding_info.types so detection rules can select on it
     * @param title    one line for a human
     * @param evidence named evidence (addresses, symbols)
     * @param process  the process concerned, or null
     */
    public static DetectionFinding check(EventContext ctx, String check, String title, Severity severity,
                                         java.util.Map<String, String> evidence, ProcessInfo process) {
        Rule rule = new Rule("chirp.integrity." + check, "CHIRP integrity check " + check, title,
                "Found from the hypervisor by CHIRP's kernel integrity check '" + check + "'.",
                List.of(check, "Integrity"));
        ObjectNode ev = JsonNodeFactory.instance.objectNode();
        if (process != null) ev.set("process", ObjectJson.process(process));
        ObjectNode data = ev.putObject("data").put("check", rule.uid());
        evidence.forEach(data::put);
        return DetectionFinding.of(ctx, rule, severity).analytic(CHECK_TYPE_ID, CHECK_TYPE).evidenceObject(ev)
                .message(title);
    }

    /** {@return a finding for a process hidden from the task list; {@code seenIn} names the view that still has it} */
    public static DetectionFinding hiddenProcess(EventContext ctx, ProcessInfo process, String seenIn) {
        ObjectNode ev = JsonNodeFactory.instance.objectNode();
        ev.set("process", ObjectJson.process(process));
        ev.putObject("data").put("check", HIDDEN_PROCESS.uid()).put("seen_in", seenIn).put("missing_from", "task list");
        return DetectionFinding.of(ctx, HIDDEN_PROCESS, Severity.HIGH).analytic(CHECK_TYPE_ID, CHECK_TYPE).evidenceObject(ev)
                .message("process " + process.pid() + " hidden from the task list");
    }

    /** {@return a finding for a module hidden from the module list; {@code seenIn} names where it was found} */
    public static DetectionFinding hiddenModule(EventContext ctx, KernelModule module, String seenIn) {
        ObjectNode ev = JsonNodeFactory.instance.objectNode();
        ev.put("name", module.name());
        ev.putObject("data").put("check", HIDDEN_MODULE.uid()).put("module", module.name())
                .put("base_address", ObjectJson.hex(module.baseAddress())).put("seen_in", seenIn)
                .put("missing_from", "module list");
        return DetectionFinding.of(ctx, HIDDEN_MODULE, Severity.HIGH).analytic(CHECK_TYPE_ID, CHECK_TYPE).evidenceObject(ev)
                .message("kernel module hidden from the module list");
    }

    /**
     * {@return a finding for a hooked system call}
     *
     * @param number  syscall number
     * @param name    syscall name (from kallsyms / the table's expected symbol)
     * @param handler the address the table entry points to now
     * @param owner   what that address belongs to (a module name, or "unknown")
     */
    public static DetectionFinding syscallHook(EventContext ctx, int number, String name, long handler, String owner) {
        Objects.requireNonNull(name, "name");
        ObjectNode ev = JsonNodeFactory.instance.objectNode();
        ev.put("name", name);
        ev.putObject("data").put("check", SYSCALL_HOOK.uid()).put("syscall_nr", number).put("syscall", name)
                .put("handler_address", ObjectJson.hex(handler)).put("handler_owner", owner);
        return DetectionFinding.of(ctx, SYSCALL_HOOK, Severity.CRITICAL).analytic(CHECK_TYPE_ID, CHECK_TYPE).evidenceObject(ev)
                .message("system call " + name + " hooked");
    }
}
