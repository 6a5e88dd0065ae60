package io.chirp.monitor.trace;

import io.chirp.core.ChirpException;
import io.chirp.core.PhysAddr;
import io.chirp.hypervisor.qemu.GdbRemote;
import io.chirp.hypervisor.session.GdbLease;
import io.chirp.linux.KernelReader;
import io.chirp.linux.Layout;
import io.chirp.linux.LinuxKernel;
import io.chirp.paging.AddressSpace;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Traces kernel events of one VM with breakpoints set through QEMU's gdbstub. At each hit the arguments are read
 * (registers from the stub, memory straight from the RAM mapping through the hitting CPU's CR3) and the guest is
 * resumed: the pause per hit is one register read plus a few memory reads, and it is measured.
 *
 * <p>One thread owns the gdb connection. QEMU allows one gdb client per VM, and stops the VM while one attaches:
 * started from a {@link GdbLease}, the tracer holds it until it closes.
 */
public final class KernelTracer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(KernelTracer.class);
    private static final int MAX_ARGS = 128;
    private static final int MAX_ARG = 4096;
    private static final int MAX_ARGV_BYTES = 64 << 10;

    /** Where a breakpoint goes, and what it means. */
    public enum Probe {
        /** execve(2): filename and argv of the new program. */
        EXEC("__x64_sys_execve"),
        /** A task ends. */
        EXIT("do_exit"),
        /** A kernel module is initialised. */
        MODULE_LOAD("do_init_module"),
        /** connect(2). */
        CONNECT("__sys_connect");

        final String symbol;

        Probe(String symbol) { this.symbol = symbol; }
    }

    /** Counters: hits, and the guest's total time stopped in CHIRP's handler (a measure of the slowdown). */
    public record Stats(long hits, long handledNanos, long dropped) {
        /** {@return mean pause per hit in microseconds} */
        public double meanPauseMicros() { return hits == 0 ? 0 : handledNanos / 1000.0 / hits; }
    }

    private final LinuxKernel k;
    private final KernelReader kr;
    private final Consumer<TraceEvent> sink;
    private final Map<Long, Probe> byAddress = new java.util.HashMap<>();
    private final Thread thread;
    private final AtomicLong hits = new AtomicLong(), nanos = new AtomicLong(), dropped = new AtomicLong();
    private final long ptDi, ptSi, ptDx, taskPid, taskTgid, taskComm, taskParent, taskCred, credUid, modName;
    private final long currentTask;
    private final long taskMm, mmExe, filePath, pathMnt, pathDentry;
    private final io.chirp.linux.Paths paths;
    private volatile boolean stopping;
    private volatile Throwable failure;
    private final java.util.concurrent.CountDownLatch armed = new java.util.concurrent.CountDownLatch(1);

    private final Runnable release;

    private KernelTracer(GdbRemote gdb, Runnable release, LinuxKernel k, Set<Probe> probes, Consumer<TraceEvent> sink) {
        this.release = release;
        this.k = k;
        this.kr = k.reader();
        this.sink = sink;
        Layout l = k.layout();
        ptDi = l.offset("pt_regs", "di");
        ptSi = l.offset("pt_regs", "si");
        ptDx = l.offset("pt_regs", "dx");
        taskPid = l.offset("task_struct", "pid");
        taskTgid = l.offset("task_struct", "tgid");
        taskComm = l.offset("task_struct", "comm");
        taskParent = l.offset("task_struct", "real_parent");
        taskCred = l.offset("task_struct", "cred");
        credUid = l.offset("cred", "uid");
        modName = l.offset("module", "name");
        taskMm = l.offset("task_struct", "mm");
        mmExe = l.offset("mm_struct", "exe_file");
        filePath = l.offset("file", "f_path");
        pathMnt = l.offset("path", "mnt");
        pathDentry = l.offset("path", "dentry");
        paths = new io.chirp.linux.Paths(k);
        // The per-CPU 'current' task: a per-CPU variable (6.1) or a member of pcpu_hot (6.2+).
        currentTask = k.symbols().lookup("current_task").map(s -> s.address())
                .orElseGet(() -> k.symbol("pcpu_hot") + l.offset("pcpu_hot", "current_task"));
        for (Probe p : probes) byAddress.put(k.symbol(p.symbol), p);
        this.thread = Thread.ofPlatform().name("chirp-tracer").daemon().start(() -> run(gdb));
    }

    /**
     * Traces through {@code lease} (a VM's gdbstub, from {@code VmHandle.debugger}: the back-end interface's way in)
     * until the tracer closes, which closes the lease too: others asking for the stub meanwhile are told the tracer
     * has it. Sets the breakpoints and lets the guest run; events go to {@code sink} on the tracer's thread.
     */
    public static KernelTracer start(GdbLease lease, LinuxKernel k, Set<Probe> probes, Consumer<TraceEvent> sink) {
        try {
            return start(lease.remote(), lease::close, k, probes, sink);
        } catch (RuntimeException e) {
            lease.close();
            throw e;
        }
    }

    /** Attaches to the gdbstub on {@code gdbPort} directly (outside the broker), as {@link #start(GdbLease, LinuxKernel, Set, Consumer)}. */
    public static KernelTracer start(int gdbPort, LinuxKernel k, Set<Probe> probes, Consumer<TraceEvent> sink) {
        GdbRemote gdb = GdbRemote.connect("127.0.0.1", gdbPort, "tracer");
        return start(gdb, gdb::close, k, probes, sink);
    }

    private static KernelTracer start(GdbRemote gdb, Runnable release, LinuxKernel k, Set<Probe> probes,
                                      Consumer<TraceEvent> sink) {
        KernelTracer t;
        try {
            t = new KernelTracer(gdb, release, k, probes, sink);
        } catch (RuntimeException e) {
            release.run();
            throw e;
        }
        try {
            if (!t.armed.await(30, java.util.concurrent.TimeUnit.SECONDS) || t.failure != null) {
                t.close();
                throw ChirpException.unavailable("tracer did not start: " + t.failure);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            t.close();
            throw new ChirpException(ChirpException.Kind.INTERRUPTED, "interrupted");
        }
        return t;
    }

    /** {@return the breakpoint addresses in use, by probe} */
    public Map<Probe, Long> breakpoints() {
        Map<Probe, Long> out = new EnumMap<>(Probe.class);
        byAddress.forEach((a, p) -> out.put(p, a));
        return out;
    }

    public Stats stats() { return new Stats(hits.get(), nanos.get(), dropped.get()); }

    private void run(GdbRemote gdb) {
        List<Long> inserted = new ArrayList<>();
        try {
            for (long a : byAddress.keySet()) {
                gdb.breakpoint(a, true);
                inserted.add(a);
            }
            gdb.resume();
            armed.countDown();
            while (!stopping) {
                String stop = gdb.awaitStop(200);
                if (stop == null) continue;
                if (stop.startsWith("W") || stop.startsWith("X")) {
                    log.info("the VM exited while traced");
                    return;
                }
                if (signal(stop) != SIGTRAP) {
                    // QEMU tells the gdb client of every stop: a QMP 'stop' (SIGINT), the end of a migration (SIGXCPU),
                    // a shutdown. Resuming would undo someone else's pause, so the guest stays as they left it; the
                    // next breakpoint hit after they resume it comes as usual.
                    log.debug("the VM was stopped from outside the tracer ({}): left to whoever stopped it", stop);
                    continue;
                }
                long t0 = System.nanoTime();
                Map<String, Long> regs = gdb.readRegisters();
                try {
                    handle(regs);
                } catch (RuntimeException e) {
                    dropped.incrementAndGet();
                    log.debug("trace hit not decoded: {}", e.toString());
                }
                // Step over the breakpoint (remove, single-step, re-insert), or 'c' would hit it again at once.
                long rip = regs.getOrDefault("rip", 0L);
                if (byAddress.containsKey(rip)) {
                    gdb.breakpoint(rip, false);
                    gdb.command("s");
                    gdb.breakpoint(rip, true);
                }
                nanos.addAndGet(System.nanoTime() - t0);
                gdb.resume();
            }
            gdb.interrupt();
            gdb.awaitStop(5000);
        } catch (RuntimeException e) {
            failure = e;
            log.warn("tracer stopped: {}", e.getMessage());
        } finally {
            armed.countDown();
            try {
                for (long a : inserted) gdb.breakpoint(a, false);
            } catch (RuntimeException ignored) {
                // detaching removes them as well
            }
            release.run();
        }
    }

    private static final int SIGTRAP = 5;

    /** {@return the signal of a stop packet ("T05thread:01;" or "S05"), or -1} */
    static int signal(String stop) {
        if (stop.length() < 3 || (stop.charAt(0) != 'T' && stop.charAt(0) != 'S')) return -1;
        try {
            return Integer.parseInt(stop.substring(1, 3), 16);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private void handle(Map<String, Long> regs) {
        long rip = regs.getOrDefault("rip", 0L);
        Probe p = byAddress.get(rip);
        if (p == null) return;
        hits.incrementAndGet();
        long cr3 = regs.getOrDefault("cr3", 0L);
        AddressSpace as = AddressSpace.of(k.memory(), k.kernelSpace().mode(),
                new PhysAddr(k.kernelSpace().mode().rootFromCr3(cr3) & ~0x1000L), 0, Duration.ZERO);
        KernelReader r = kr.in(as);
        TraceEvent.TaskRef task = task(r, regs.getOrDefault("gs_base", 0L));
        long now = System.currentTimeMillis();
        long rdi = regs.getOrDefault("rdi", 0L);
        TraceEvent e = switch (p) {
            case EXEC -> {
                long filename = r.u64(rdi + ptDi);
                long argv = r.u64(rdi + ptSi);
                List<String> args = new ArrayList<>();
                boolean truncated = false;
                int total = 0;
                for (int i = 0; i < MAX_ARGS; i++) {
                    long ptr = r.u64(argv + 8L * i);
                    if (ptr == 0) break;
                    String a = r.cstring(ptr, MAX_ARG);
                    total += a.length();
                    args.add(a);
                    if (i == MAX_ARGS - 1 || total > MAX_ARGV_BYTES) { truncated = true; break; }
                }
                String file = r.cstring(filename, MAX_ARG);
                // busybox (and others) re-exec themselves through /proc/self/exe: the image is the caller's own.
                if (file.equals("/proc/self/exe")) file = selfExe(r, regs.getOrDefault("gs_base", 0L), file);
                yield new TraceEvent.Exec(now, task, file, List.copyOf(args), truncated);
            }
            case EXIT -> new TraceEvent.Exit(now, task, rdi);
            case MODULE_LOAD -> new TraceEvent.ModuleLoad(now, task, r.chars(rdi + modName, 56));
            case CONNECT -> {
                long sa = regs.getOrDefault("rsi", 0L);
                // addrlen comes from the caller: clamp it before it sizes any read
                long len = Math.max(0, Math.min(regs.getOrDefault("rdx", 0L), 128));
                int family = len >= 2 ? r.u16(sa) : -1;
                String addr = "";
                int port = 0;
                if (family == 2 && len >= 8) {
                    port = Integer.reverseBytes(r.u16(sa + 2) << 16) & 0xffff;
                    addr = io.chirp.core.IpText.of(r.bytes(sa + 4, 4));
                } else if (family == 10 && len >= 24) {
                    port = Integer.reverseBytes(r.u16(sa + 2) << 16) & 0xffff;
                    addr = io.chirp.core.IpText.of(r.bytes(sa + 8, 16));
                } else if (family == 1 && len > 2) {
                    addr = r.cstring(sa + 2, (int) Math.min(len - 2, 108));
                }
                yield new TraceEvent.Connect(now, task, (int) rdi, family, addr, port);
            }
        };
        sink.accept(e);
    }

    private String selfExe(KernelReader r, long gsBase, String fallback) {
        try {
            long t = r.u64(gsBase + currentTask);
            long mm = r.u64(t + taskMm);
            long file = mm == 0 ? 0 : r.u64(mm + mmExe);
            if (file == 0) return fallback;
            return paths.path(r.u64(file + filePath + pathMnt), r.u64(file + filePath + pathDentry));
        } catch (ChirpException e) {
            return fallback;
        }
    }

    private TraceEvent.TaskRef task(KernelReader r, long gsBase) {
        long t = r.u64(gsBase + currentTask);
        int pid = r.u32(t + taskPid), tgid = r.u32(t + taskTgid);
        String comm = r.chars(t + taskComm, 16);
        long parent = r.u64(t + taskParent);
        int uid = r.u32(r.u64(t + taskCred) + credUid);
        return new TraceEvent.TaskRef(pid, tgid, comm, r.u32(parent + taskTgid), r.chars(parent + taskComm, 16), uid);
    }

    /** Removes the breakpoints and detaches; the guest runs on untouched. */
    @Override
    public void close() {
        stopping = true;
        try {
            thread.join(Duration.ofSeconds(15));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
