package io.chirp.monitor;

import io.chirp.core.ChirpException;
import io.chirp.core.CpuState;
import io.chirp.hypervisor.LiveVm;
import io.chirp.hypervisor.QemuBackend;
import io.chirp.hypervisor.backend.Capability;
import io.chirp.hypervisor.backend.MissingCapabilityException;
import io.chirp.hypervisor.backend.VmBackends;
import io.chirp.hypervisor.backend.VmEvent;
import io.chirp.hypervisor.backend.VmHandle;
import io.chirp.hypervisor.backend.VmState;
import io.chirp.hypervisor.qemu.QmpClient;
import io.chirp.linux.LinuxKernel;
import io.chirp.monitor.trace.KernelTracer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Watches one VM by name for as long as the monitor runs: attaches when it appears, polls it at its interval,
 * reports when it pauses, stops, crashes or migrates, and attaches again when it comes back (after a reboot the
 * kernel has moved: everything is found again). A failure here never touches the other VMs' watchers.
 */
public final class VmWatcher implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(VmWatcher.class);
    /** How often a watcher without QMP tries for it again (each try on a QEMU busy elsewhere can cost seconds). */
    private static final Duration QMP_RETRY = Duration.ofSeconds(30);

    /**
     * How to watch.
     *
     * @param interval       time between polls
     * @param trace          also trace kernel events through the gdbstub
     * @param integrityEvery run the integrity checks every N polls (0: never)
     * @param connect        the libvirt daemon for VM names ({@code --connect URI}), if not the default
     * @param capture        the tick of the memory-only short-lived-process capture ({@link ProcessCapture}), or
     *                       null for none; with it, process starts and exits come from the capture, not the polls
     * @param files          also report file activity, diffing the inode caches at every poll ({@link FileWatch})
     */
    public record Options(Duration interval, boolean trace, int integrityEvery, Optional<String> connect, Duration capture,
                          boolean files) {
        public Options(Duration interval, boolean trace, int integrityEvery) {
            this(interval, trace, integrityEvery, Optional.empty(), null, false);
        }

        public Options(Duration interval, boolean trace, int integrityEvery, Optional<String> connect) {
            this(interval, trace, integrityEvery, connect, null, false);
        }

        public static Options defaults() { return new Options(Duration.ofSeconds(1), false, 5); }

        /** {@return these options with VMs opened through the libvirt daemon at {@code uri} ({@code --connect})} */
        public Options withConnect(Optional<String> uri) { return new Options(interval, trace, integrityEvery, uri, capture, files); }

        /** {@return these options with the short-lived-process capture ticking every {@code tick} (null: off)} */
        public Options withCapture(Duration tick) { return new Options(interval, trace, integrityEvery, connect, tick, files); }

        /** {@return these options with file activity reported (or not)} */
        public Options withFiles(boolean on) { return new Options(interval, trace, integrityEvery, connect, capture, on); }
    }

    private final String name;
    private final Options options;
    private final MonitorListener listener;
    private volatile boolean stopping;
    private final AtomicReference<String> state = new AtomicReference<>("absent");
    private volatile long polls;
    private volatile ProcessCapture capture;

    public VmWatcher(String name, Options options, MonitorListener listener) {
        this.name = name;
        this.options = options;
        this.listener = listener;
    }

    public String name() { return name; }

    /** {@return how many snapshots this watcher has taken} */
    public long polls() { return polls; }

    public void stop() { stopping = true; }

    @Override
    public void run() {
        MonitorListener.VmRef ref = new MonitorListener.VmRef(name, null, 0);
        while (!stopping) {
            VmHandle vm;
            try {
                vm = VmBackends.open(name, options.connect());
            } catch (ChirpException e) {
                if (e.kind() == ChirpException.Kind.NOT_FOUND) {
                    transition(ref, "stopped", "no such VM running");
                } else {
                    transition(ref, "detached", e.getMessage());
                    log.debug("watcher {}: {}", name, e.toString());
                }
                sleep(options.interval());
                continue;
            }
            String pid = vm.evidenceIdentity().get("qemu_pid");
            ref = new MonitorListener.VmRef(vm.identity().name(), vm.identity().uuid().orElse(null),
                    pid == null ? 0 : Long.parseLong(pid));
            try (vm) {
                watch(vm, ref);
            } catch (ChirpException | IllegalStateException e) {
                transition(ref, "detached", e.getMessage());
                log.debug("watcher {}: {}", name, e.toString());
            } catch (RuntimeException e) {
                transition(ref, "detached", "unexpected: " + e);
                log.warn("watcher {} failed, will retry", name, e);
            }
            sleep(options.interval());
        }
    }

    private void watch(VmHandle vm, MonitorListener.VmRef ref) {
        // a QEMU-direct extra, beyond the back-end interface: taking QMP over late, once another process lets go
        LiveVm live = QemuBackend.live(vm).orElse(null);
        AtomicReference<String> runState = new AtomicReference<>("running");
        io.chirp.hypervisor.backend.Subscription events = null;
        if (vm.capabilities().contains(Capability.LIFECYCLE_EVENTS)) {
            try {
                runState.set(vm.state() == VmState.PAUSED ? "paused" : "running");
                events = vm.onLifecycle(e -> runState.set(stateOf(e.kind())));
            } catch (ChirpException e) {
                log.warn("watcher {}: no lifecycle events ({}): pause, stop and migration are not seen; memory through {}",
                        name, e.getMessage(), vm.memoryPath());
            }
        } else {
            log.warn("watcher {}: {}", name, new MissingCapabilityException(vm.identity(), Capability.LIFECYCLE_EVENTS,
                    vm.whyLacking(Capability.LIFECYCLE_EVENTS).orElse(null)).getMessage());
        }
        boolean eventsAtAttach = events != null;
        List<CpuState> cpus = List.of();
        if (vm.capabilities().contains(Capability.REGISTERS)) {
            try {
                cpus = vm.registers();
            } catch (ChirpException e) {
                if (e.kind() != ChirpException.Kind.UNAVAILABLE) throw e;
                log.debug("watcher {}: no registers: {}", name, e.getMessage());
            }
        }
        LinuxKernel k = LinuxKernel.attach(vm.memory(), cpus);
        Snapshotter snap = new Snapshotter(k, cpus, options.integrityEvery());
        Snapshot prev = snap.take();
        polls++;
        transition(ref, "attached", k.info().banner().strip() + "; " + prev.processes().size() + " processes, "
                + prev.modules().size() + " modules, via " + vm.memory().describe());
        for (Change c : Differ.initial(prev)) {
            if (c instanceof Change.IntegrityFinding) listener.onChange(ref, c); // known-bad state at attach
        }
        KernelTracer tracer = null;
        if (options.trace()) {
            if (!vm.capabilities().contains(Capability.KERNEL_BREAKPOINTS)) {
                transition(ref, "attached", new MissingCapabilityException(vm.identity(), Capability.KERNEL_BREAKPOINTS,
                        vm.whyLacking(Capability.KERNEL_BREAKPOINTS).orElse(null)).getMessage() + ": tracing unavailable, polling only");
            } else {
                MonitorListener.VmRef r = ref;
                tracer = KernelTracer.start(vm.debugger("tracer"), k, EnumSet.allOf(KernelTracer.Probe.class),
                        e -> listener.onTrace(r, e));
            }
        }
        MonitorListener.VmRef captured = ref;
        ProcessCapture capture = options.capture() == null ? null : new ProcessCapture(k, c -> listener.onChange(captured, c));
        this.capture = capture;
        FileWatch files = null;
        if (options.files()) {
            try {
                files = new FileWatch(k);
                files.poll(); // the baseline
            } catch (ChirpException e) {
                log.warn("watcher {}: file activity unavailable: {}", name, e.getMessage());
                files = null;
            }
        }
        QmpClient late = null;
        long lastTry = System.nanoTime();
        try {
            while (!stopping) {
                if (capture == null) sleep(options.interval());
                else captureFor(capture, options.interval(), options.capture(), runState);
                if (!eventsAtAttach && late == null && live != null && live.vm().qmpSocket().isPresent()
                        && System.nanoTime() - lastTry > QMP_RETRY.toNanos()) {
                    // whoever held QMP at attach may have let go: take it now, to see pauses and stops again
                    lastTry = System.nanoTime();
                    if (live.session().qmpHolder().isEmpty()) {
                        try {
                            late = live.session().qmp();
                            listen(late, runState);
                            runState.set(late.status());
                            log.info("watcher {}: QMP is free again; VM state is watched from now on", name);
                        } catch (ChirpException e) {
                            if (late != null) late.close();
                            late = null;
                            log.debug("watcher {}: QMP still unavailable: {}", name, e.getMessage());
                        }
                    }
                }
                if (live != null && live.qmp().map(QmpClient::isClosed).orElse(false)) {
                    throw ChirpException.unavailable("QMP connection closed (QEMU exited)");
                }
                if (late != null && late.isClosed()) throw ChirpException.unavailable("QMP connection closed (QEMU exited)");
                String rs = runState.get();
                if (rs.equals("reset")) throw ChirpException.unavailable("the guest rebooted; attaching again");
                if (rs.equals("shutdown") && live == null) throw ChirpException.unavailable("the VM stopped");
                if (!rs.equals("running")) {
                    transition(ref, rs, "");
                    continue;
                }
                transition(ref, "running", "");
                Snapshot next = snap.take();
                polls++;
                for (Change c : Differ.diff(prev, next)) {
                    // with the capture on, it reports starts and exits (faster, and once): the poll's would repeat them
                    if (capture != null && (c instanceof Change.ProcessStarted || c instanceof Change.ProcessExited)) continue;
                    listener.onChange(ref, c);
                }
                if (files != null) {
                    try {
                        for (Change c : files.poll()) listener.onChange(ref, withActor((Change.FileActivity) c, next));
                    } catch (ChirpException e) {
                        log.debug("watcher {}: file poll: {}", name, e.getMessage());
                    }
                }
                prev = next;
            }
        } finally {
            if (tracer != null) tracer.close();
            if (late != null) late.close();
            if (events != null) events.close();
        }
    }

    /**
     * Runs the capture's ticks for one poll interval while the guest runs. Each tick parks the thread rather than
     * spinning: the guest's vCPUs need the host's cores more than the capture does.
     */
    private void captureFor(ProcessCapture capture, Duration interval, Duration tick, AtomicReference<String> runState) {
        long end = System.nanoTime() + interval.toNanos();
        while (!stopping && System.nanoTime() < end) {
            if (runState.get().equals("running")) {
                try {
                    capture.tick();
                } catch (ChirpException e) {
                    log.debug("watcher {}: capture tick: {}", name, e.getMessage());
                }
            }
            java.util.concurrent.locks.LockSupport.parkNanos(tick.toNanos());
            if (Thread.currentThread().isInterrupted()) stopping = true;
        }
    }

    /** {@return the file change with its actor as this poll's process listing knows it (command line, executable)} */
    private static Change.FileActivity withActor(Change.FileActivity f, Snapshot s) {
        if (f.actor() == null) return f;
        return s.processes().values().stream().filter(p -> p.pid() == f.actor().pid()).findFirst()
                .map(p -> new Change.FileActivity(f.kind(), f.file(), f.newPath(), p)).orElse(f);
    }

    /** {@return the short-lived-process capture's figures, or null when it does not run} */
    public ProcessCapture.Stats captureStats() {
        ProcessCapture c = capture;
        return c == null ? null : c.stats();
    }

    /** {@return the watcher's run-state word for a lifecycle event} */
    private static String stateOf(VmEvent.Kind k) {
        return switch (k) {
            case PAUSED -> "paused";
            case RESUMED, STARTED -> "running";
            case STOPPED -> "shutdown";
            case RESET -> "reset";
            case MIGRATED -> "migrated";
            case CRASHED -> "crashed";
            case OTHER -> "running";
        };
    }

    /**
     * Follows the VM's run state from QMP events, on the connection this process shares for the VM. A STOP is also
     * sent for every gdbstub breakpoint hit (state "debug", over in microseconds while the tracer runs): only a
     * stop that QEMU still reports as something other than debug or running is a pause. The listener runs on its
     * own thread, so it may ask QEMU.
     */
    private void listen(QmpClient qmp, AtomicReference<String> runState) {
        qmp.onEvent("watcher " + name, 1024, e -> {
            switch (e.name()) {
                case "STOP" -> {
                    String now = qmp.status();
                    if (!now.equals("debug") && !now.equals("running")) runState.set("paused");
                }
                case "RESUME" -> runState.set("running");
                case "SHUTDOWN" -> runState.set("shutdown");
                case "RESET" -> runState.set("reset");
                case "MIGRATION" -> {
                    if ("completed".equals(e.data().path("status").asText())) runState.set("migrated");
                }
                default -> { }
            }
        });
    }

    /** Reports a state once when it changes; "running" right after "attached" is not news. */
    private void transition(MonitorListener.VmRef ref, String to, String detail) {
        String from = state.getAndSet(to);
        if (from.equals(to) && !to.equals("attached")) return;
        if (to.equals("running") && from.equals("attached")) return;
        if (to.equals("stopped") && from.equals("absent")) {
            state.set("absent");
            return;
        }
        listener.onChange(ref, new Change.VmState(to, detail));
    }

    private void sleep(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopping = true;
        }
    }
}
