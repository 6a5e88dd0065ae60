package io.chirp.linux;

import io.chirp.core.ChirpException;
import io.chirp.symbols.SymbolOffset;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Kernel threads and the function each one runs (Volatility's linux.kthreads): a kernel thread's {@code struct
 * kthread} keeps the {@code threadfn} it was created with, which is resolved to a kallsyms symbol in the kernel's
 * text or placed in the module whose memory holds it. A function that lies in neither, in memory no listed module
 * owns, is what a rootkit's thread looks like once its module is hidden or freed: such threads are flagged.
 *
 * <p>Where the kthread is: {@code task->worker_private} since 5.17, {@code task->set_child_tid} before. Which one
 * this kernel has is decided once, when the view is made. kthreadd itself and threads not started through
 * {@code kthread()} have no thread function (0): they are listed with none, not flagged.
 */
public final class KernelThreads {
    /** Where a task points to its {@code struct kthread}. */
    public enum KthreadPointer { WORKER_PRIVATE, SET_CHILD_TID, NONE }

    /** How many bytes of {@code kthread->full_name} are read (names are short; a hostile one is cut). */
    public static final int MAX_FULL_NAME = 256;

    /**
     * A kernel thread.
     *
     * @param function   its thread function, null if unreadable, 0 if it has none (kthreadd)
     * @param symbol     the function as {@code name} or {@code name+0xOFF} (a module's as {@code [module]+0xOFF}),
     *                   null when nothing holds it
     * @param owner      {@code kernel}, the module's name, or null when no kernel text or listed module holds it
     * @param fullName   {@code kthread->full_name} (set when the name is longer than comm), else null
     * @param suspicious true if it has a function that lies outside kernel text and every listed module
     */
    public record Thread(LinuxProcess process, Long function, String symbol, String owner, String fullName,
                         boolean suspicious, List<String> problems) {
        public Thread {
            problems = List.copyOf(problems);
        }
    }

    /** The kernel threads, and what could not be read (the task list or module list partial). */
    public record Listing(List<Thread> threads, List<String> problems) {
        public Listing {
            threads = List.copyOf(threads);
            problems = List.copyOf(problems);
        }
    }

    private final LinuxKernel k;
    private final KernelReader r;
    private final KthreadPointer pointer;
    private final long pointerOff, threadfnOff;
    private final Long fullNameOff;

    public KernelThreads(LinuxKernel k) {
        this.k = k;
        this.r = k.reader();
        Layout l = k.layout();
        pointer = !l.hasStruct("kthread") ? KthreadPointer.NONE
                : l.find("task_struct", "worker_private").isPresent() ? KthreadPointer.WORKER_PRIVATE
                : l.find("task_struct", "set_child_tid").isPresent() ? KthreadPointer.SET_CHILD_TID : KthreadPointer.NONE;
        pointerOff = switch (pointer) {
            case WORKER_PRIVATE -> l.offset("task_struct", "worker_private");
            case SET_CHILD_TID -> l.offset("task_struct", "set_child_tid");
            case NONE -> -1;
        };
        threadfnOff = pointer == KthreadPointer.NONE ? -1 : l.offset("kthread", "threadfn");
        fullNameOff = pointer == KthreadPointer.NONE || l.find("kthread", "full_name").isEmpty() ? null
                : l.offset("kthread", "full_name");
    }

    /** {@return where this kernel keeps a task's kthread} */
    public KthreadPointer pointer() { return pointer; }

    /** {@return every kernel thread on the task list, with its function} */
    public Listing list() {
        if (pointer == KthreadPointer.NONE) {
            throw ChirpException.unavailable("this kernel's BTF has no struct kthread reachable from task_struct"
                    + " (worker_private or set_child_tid): kernel thread functions cannot be read");
        }
        List<String> problems = new ArrayList<>();
        Processes.Listing ps = new Processes(k).list(false, false);
        if (!ps.walk().complete()) problems.add("task list is partial: " + ps.walk().problem());
        Modules.Listing mods = new Modules(k).list();
        if (!mods.walk().complete()) problems.add("module list is partial (owners may be missed): " + mods.walk().problem());
        List<Thread> out = new ArrayList<>();
        for (LinuxProcess p : ps.processes()) {
            if (p.kernelThread() && p.tgid() != 0) out.add(of(p, mods.modules()));
        }
        return new Listing(out, problems);
    }

    private Thread of(LinuxProcess p, List<ModuleInfo> modules) {
        List<String> problems = new ArrayList<>();
        long kthread;
        try {
            kthread = r.u64(p.task() + pointerOff);
        } catch (ChirpException e) {
            problems.add("kthread pointer: " + e.getMessage());
            return new Thread(p, null, null, null, null, false, problems);
        }
        if (kthread == 0) return new Thread(p, 0L, null, null, null, false, problems);
        Long fn = null;
        String fullName = null;
        try {
            fn = r.u64(kthread + threadfnOff);
        } catch (ChirpException e) {
            problems.add("thread function: " + e.getMessage());
        }
        if (fullNameOff != null) {
            try {
                long name = r.u64(kthread + fullNameOff);
                if (name != 0) fullName = r.cstring(name, MAX_FULL_NAME);
            } catch (ChirpException e) {
                problems.add("full name: " + e.getMessage());
            }
        }
        if (fn == null || fn == 0) return new Thread(p, fn, null, null, fullName, false, problems);
        if (k.inKernelText(fn)) {
            Optional<SymbolOffset> s = k.symbols().symbolAt(fn);
            String sym = s.map(x -> x.offset() == 0 ? x.symbol().name()
                    : x.symbol().name() + "+0x" + Long.toHexString(x.offset())).orElse(null);
            return new Thread(p, fn, sym, "kernel", fullName, false, problems);
        }
        Optional<ModuleInfo> m = Modules.owner(modules, fn);
        if (m.isPresent()) {
            return new Thread(p, fn, "[" + m.get().name() + "]+0x" + Long.toHexString(fn - m.get().base()), m.get().name(),
                    fullName, false, problems);
        }
        return new Thread(p, fn, null, null, fullName, true, problems);
    }
}
