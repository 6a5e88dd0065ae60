package io.chirp.linux.integrity;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One thing an integrity check found: what it is, how bad, and the evidence (addresses, symbols) an analyst needs
 * to verify it by hand. Informational findings (a registered kprobe) are listed too: hooks are not always
 * malicious, but an analyst must see every one.
 */
public sealed interface IntegrityFinding {

    /** How much a finding matters. */
    enum Severity {
        /** Worth knowing: a legitimate kernel feature in use (kprobes, ftrace). */
        INFO,
        /** Unusual and worth a look; can be benign. */
        WARNING,
        /** What a rootkit does: something hidden or control flow leaving the kernel's own code. */
        CRITICAL
    }

    Severity severity();

    /** {@return the check that found it ("hidden_modules", "syscall_table", ...)} */
    String check();

    /** {@return one line for a human} */
    String summary();

    /** {@return named evidence, in a stable order; addresses as 0x-hex strings} */
    Map<String, String> evidence();

    private static Map<String, String> map(Object... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i + 1 < kv.length; i += 2) m.put((String) kv[i], kv[i + 1] == null ? "-" : kv[i + 1].toString());
        return m;
    }

    static String hex(long v) { return "0x" + Long.toHexString(v); }

    /** A module that some view of the kernel holds but the module list does not. */
    record HiddenModule(String name, long module, String state, List<String> seenIn, boolean stillLinked)
            implements IntegrityFinding {
        public HiddenModule { seenIn = List.copyOf(seenIn); }
        @Override public Severity severity() { return "LIVE".equals(state) ? Severity.CRITICAL : Severity.WARNING; }
        @Override public String check() { return "hidden_modules"; }
        @Override public String summary() {
            return "module " + name + " is missing from the module list but present in " + String.join(", ", seenIn);
        }
        @Override public Map<String, String> evidence() {
            return map("struct_module", hex(module), "state", state, "views", String.join(",", seenIn),
                    "list_pointers_consistent", stillLinked);
        }
    }

    /** A process that other views hold but the task list does not. */
    record HiddenProcess(int pid, String comm, long task, List<String> seenIn) implements IntegrityFinding {
        public HiddenProcess { seenIn = List.copyOf(seenIn); }
        @Override public Severity severity() { return Severity.CRITICAL; }
        @Override public String check() { return "hidden_processes"; }
        @Override public String summary() {
            return "process " + pid + " (" + comm + ") is missing from the task list but present in "
                    + String.join(", ", seenIn);
        }
        @Override public Map<String, String> evidence() {
            return map("pid", pid, "comm", comm, "task_struct", hex(task), "views", String.join(",", seenIn));
        }
    }

    /** A sys_call_table entry that does not point to a system call entry function in kernel text. */
    record SyscallTableEntry(int nr, long slot, long target, String targetName, String problem)
            implements IntegrityFinding {
        @Override public Severity severity() { return Severity.CRITICAL; }
        @Override public String check() { return "syscall_table"; }
        @Override public String summary() { return "sys_call_table[" + nr + "] " + problem; }
        @Override public Map<String, String> evidence() {
            return map("nr", nr, "slot", hex(slot), "target", hex(target), "target_symbol", targetName);
        }
    }

    /** A direct call or jump in the real dispatcher (x64_sys_call) that leaves the system call entry points. */
    record DispatchTarget(long site, long target, String targetName, String problem, boolean outsideText)
            implements IntegrityFinding {
        @Override public Severity severity() { return outsideText ? Severity.CRITICAL : Severity.WARNING; }
        @Override public String check() { return "syscall_dispatch"; }
        @Override public String summary() { return "x64_sys_call branch at " + hex(site) + " " + problem; }
        @Override public Map<String, String> evidence() {
            return map("site", hex(site), "target", hex(target), "target_symbol", targetName);
        }
    }

    /** A function whose first instructions divert control flow (an inline hook). */
    record InlineHook(String function, long address, long target, String targetOwner, String bytes, boolean outsideText)
            implements IntegrityFinding {
        @Override public Severity severity() { return outsideText ? Severity.CRITICAL : Severity.WARNING; }
        @Override public String check() { return "inline_hooks"; }
        @Override public String summary() { return function + " starts with a branch to " + hex(target) + " (" + targetOwner + ")"; }
        @Override public Map<String, String> evidence() {
            return map("function", function, "address", hex(address), "target", hex(target), "owner", targetOwner,
                    "bytes", bytes);
        }
    }

    /**
     * A function patched by ftrace: a legitimate mechanism that rootkits also use. Severity follows the callbacks
     * the trampoline runs: kernel text (tracing, kprobes) info, a module warning, anything else critical.
     */
    record FtraceHooked(String function, long address, long trampoline, String owner, Severity severity)
            implements IntegrityFinding {
        @Override public String check() { return "inline_hooks"; }
        @Override public String summary() { return function + " is traced by ftrace through " + owner; }
        @Override public Map<String, String> evidence() {
            return map("function", function, "address", hex(address), "trampoline", hex(trampoline), "owner", owner);
        }
    }

    /** An interrupt gate whose handler is outside kernel text, or an IDT that is not the kernel's. */
    record IdtEntry(int vector, long handler, String handlerOwner, String problem) implements IntegrityFinding {
        @Override public Severity severity() { return Severity.CRITICAL; }
        @Override public String check() { return "idt"; }
        @Override public String summary() { return (vector < 0 ? "IDT: " : "IDT vector " + vector + ": ") + problem; }
        @Override public Map<String, String> evidence() {
            return map("vector", vector, "handler", hex(handler), "owner", handlerOwner);
        }
    }

    /** A registered kprobe and who handles it. */
    record Kprobe(long address, String probed, String preHandler, String postHandler, String owner, Severity severity)
            implements IntegrityFinding {
        @Override public String check() { return "kprobes"; }
        @Override public String summary() { return "kprobe on " + probed + " handled by " + preHandler + " (" + owner + ")"; }
        @Override public Map<String, String> evidence() {
            return map("address", hex(address), "probed", probed, "pre_handler", preHandler, "post_handler", postHandler,
                    "owner", owner);
        }
    }

    /** A registered ftrace_ops: a callback ftrace runs on traced functions. */
    record FtraceOps(long ops, String func, long trampoline, long flags, String owner, Severity severity)
            implements IntegrityFinding {
        @Override public String check() { return "ftrace"; }
        @Override public String summary() { return "ftrace ops at " + hex(ops) + " calls " + func + " (" + owner + ")"; }
        @Override public Map<String, String> evidence() {
            return map("ops", hex(ops), "func", func, "trampoline", hex(trampoline), "flags", hex(flags), "owner", owner);
        }
    }

    /** Processes of different thread groups sharing one struct cred. */
    record SharedCredentials(long cred, List<Integer> pids, List<String> comms) implements IntegrityFinding {
        public SharedCredentials { pids = List.copyOf(pids); comms = List.copyOf(comms); }
        @Override public Severity severity() { return Severity.CRITICAL; }
        @Override public String check() { return "credentials"; }
        @Override public String summary() { return "processes " + pids + " " + comms + " share one struct cred"; }
        @Override public Map<String, String> evidence() { return map("cred", hex(cred), "pids", pids, "comms", comms); }
    }

    /** A process that holds root in a way the kernel's own bookkeeping or its ancestry does not explain. */
    record ElevatedCredentials(int pid, String comm, long cred, int uid, int euid, String reason)
            implements IntegrityFinding {
        @Override public Severity severity() { return Severity.CRITICAL; }
        @Override public String check() { return "credentials"; }
        @Override public String summary() { return "process " + pid + " (" + comm + ") runs as root: " + reason; }
        @Override public Map<String, String> evidence() {
            return map("pid", pid, "comm", comm, "cred", hex(cred), "uid", uid, "euid", euid);
        }
    }

    /** Memory of a user process that is writable and executable at once: injected or unpacked code (malfind). */
    record WritableExecutable(int pid, String comm, long start, long end, String perms, String mapping, Severity severity)
            implements IntegrityFinding {
        @Override public String check() { return "wx_memory"; }
        @Override public String summary() {
            return "process " + pid + " (" + comm + ") has " + (mapping == null ? "anonymous" : mapping)
                    + " memory that is writable and executable";
        }
        @Override public Map<String, String> evidence() {
            return map("pid", pid, "comm", comm, "start", hex(start), "end", hex(end), "perms", perms,
                    "mapping", mapping == null ? "anonymous" : mapping);
        }
    }

    /** A process whose executable lives where droppers put theirs, is deleted, or exists only in memory. */
    record SuspiciousExecutable(int pid, String comm, String exe, String reason, Severity severity)
            implements IntegrityFinding {
        @Override public String check() { return "exe_location"; }
        @Override public String summary() { return "process " + pid + " (" + comm + ") " + reason + ": " + exe; }
        @Override public Map<String, String> evidence() { return map("pid", pid, "comm", comm, "exe", exe); }
    }

    /** A process whose names disagree: its kernel name, its argv[0] and its executable do not tell one story. */
    record Masquerade(int pid, String comm, String argv0, String exe, String reason) implements IntegrityFinding {
        @Override public Severity severity() { return Severity.WARNING; }
        @Override public String check() { return "masquerade"; }
        @Override public String summary() { return "process " + pid + " (" + comm + ") " + reason; }
        @Override public Map<String, String> evidence() {
            return map("pid", pid, "comm", comm, "argv0", argv0, "exe", exe);
        }
    }

    /** A process whose parent is not in the task list: the parent is hidden, or the list is being tampered with. */
    record Orphan(int pid, String comm, int ppid, long parentTask) implements IntegrityFinding {
        @Override public Severity severity() { return Severity.WARNING; }
        @Override public String check() { return "orphans"; }
        @Override public String summary() {
            return "process " + pid + " (" + comm + ") has parent " + ppid + ", which is not in the task list";
        }
        @Override public Map<String, String> evidence() {
            return map("pid", pid, "comm", comm, "ppid", ppid, "real_parent", hex(parentTask));
        }
    }

    /** A module the kernel itself marked: unsigned, out of tree, proprietary, forced, from staging. */
    record TaintedModule(String name, long module, String taints, List<String> meanings, Boolean signatureOk)
            implements IntegrityFinding {
        public TaintedModule { meanings = List.copyOf(meanings); }
        @Override public Severity severity() { return Severity.WARNING; }
        @Override public String check() { return "module_taint"; }
        @Override public String summary() { return "module " + name + " is " + String.join(", ", meanings); }
        @Override public Map<String, String> evidence() {
            return map("struct_module", hex(module), "taints", taints.isEmpty() ? "-" : taints,
                    "sig_ok", signatureOk == null ? "unknown" : signatureOk);
        }
    }

    /** A module named like a publicly known Linux rootkit. */
    record RootkitModule(String name, long module, String rootkit) implements IntegrityFinding {
        @Override public Severity severity() { return Severity.CRITICAL; }
        @Override public String check() { return "rootkit_modules"; }
        @Override public String summary() { return "module " + name + " has the name of the " + rootkit + " rootkit"; }
        @Override public Map<String, String> evidence() { return map("struct_module", hex(module), "rootkit", rootkit); }
    }

    /**
     * A kernel thread whose function (kthread->threadfn) lies outside kernel text and every listed module: the
     * thread of a module that was hidden or freed (see {@link io.chirp.linux.KernelThreads}).
     */
    record SuspiciousKernelThread(int pid, String comm, long task, long function) implements IntegrityFinding {
        @Override public Severity severity() { return Severity.CRITICAL; }
        @Override public String check() { return "kernel_threads"; }
        @Override public String summary() {
            return "kernel thread " + pid + " (" + comm + ") runs " + hex(function) + ", outside kernel text and every listed module";
        }
        @Override public Map<String, String> evidence() {
            return map("pid", pid, "comm", comm, "task", hex(task), "threadfn", hex(function));
        }
    }
}
