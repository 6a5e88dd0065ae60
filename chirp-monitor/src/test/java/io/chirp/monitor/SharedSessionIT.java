package io.chirp.monitor;

import io.chirp.core.ChirpException;
import io.chirp.core.CpuState;
import io.chirp.hypervisor.LiveVm;
import io.chirp.hypervisor.QemuVm;
import io.chirp.hypervisor.VmInventory;
import io.chirp.hypervisor.qemu.ChannelLease;
import io.chirp.hypervisor.qemu.QmpClient;
import io.chirp.hypervisor.session.VmSession;
import io.chirp.hypervisor.session.VmSessions;
import io.chirp.lab.LabGuest;
import io.chirp.lab.WithLabGuest;
import io.chirp.linux.LinuxKernel;
import io.chirp.linux.LinuxProcess;
import io.chirp.linux.Processes;
import io.chirp.monitor.trace.TraceEvent;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * In one JVM, a monitor watching and tracing a guest and one-shot views of the same guest run side by side: they
 * share the VM's one QMP connection through the broker, QMP events reach the watcher and a view's listener alike,
 * and the gdbstub stays the tracer's.
 */
@WithLabGuest(shared = false)
class SharedSessionIT {
    private static final Duration WAIT = Duration.ofSeconds(90);

    @Test
    void aTracingMonitorAndConcurrentOneShotViewsAllSucceed(LabGuest g) throws Exception {
        QemuVm vm = new VmInventory().find(g.name());
        List<Change> changes = new CopyOnWriteArrayList<>();
        List<TraceEvent> traces = new CopyOnWriteArrayList<>();
        MonitorListener l = new MonitorListener() {
            @Override public void onChange(VmRef ref, Change c) { changes.add(c); }
            @Override public void onTrace(VmRef ref, TraceEvent e) { traces.add(e); }
        };
        VmSession session = VmSessions.shared().session(vm);
        try (Monitor m = Monitor.start(List.of(g.name()), new VmWatcher.Options(Duration.ofMillis(500), true, 0), l)) {
            await("the watcher attached and the tracer holds the gdbstub",
                    () -> changes.stream().anyMatch(c -> c instanceof Change.VmState s && s.state().equals("attached"))
                            && session.gdbUser().filter("tracer"::equals).isPresent());

            // one-shot views from several threads at once, as a server would run them
            List<Future<String>> views = new ArrayList<>();
            try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int i = 0; i < 4; i++) {
                    views.add(pool.submit(() -> {
                        try (LiveVm live = LiveVm.attach(vm)) {
                            List<CpuState> cpus = live.registers();
                            assertThat(cpus).hasSize(1);
                            assertThat(cpus.getFirst().source()).isEqualTo("qmp:hmp");
                            LinuxKernel k = LinuxKernel.attach(live.memory(), cpus);
                            List<String> comms = new Processes(k).list(false, false).processes().stream()
                                    .map(LinuxProcess::comm).toList();
                            assertThat(comms).contains("evil_miner", "init");
                            return live.qmp().orElseThrow().status();
                        }
                    }));
                }
                // "debug": stopped at one of the tracer's breakpoints for the microseconds of a hit
                for (Future<String> f : views) assertThat(f.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isIn("running", "debug");
            }
            // the process has one QMP connection, the lease on it is ours
            assertThat(ChannelLease.read("qmp", g.qmpSocket().toAbsolutePath().normalize().toString()))
                    .hasValueSatisfying(x -> assertThat(x.isOurs()).isTrue());
            assertThat(session.qmpUsers()).as("the watcher's handle").isEqualTo(1);

            try (LiveVm live = LiveVm.attach(vm)) {
                // the gdbstub is the tracer's: a view asking for it hears so instead of stalling the tracer
                assertThatThrownBy(live::registersFromGdb).isInstanceOf(ChirpException.class)
                        .hasMessageContaining("is in use by the tracer");

                // QMP events reach the watcher and this view's own listener
                QmpClient q = live.qmp().orElseThrow();
                List<String> seen = new CopyOnWriteArrayList<>();
                q.onEvent(e -> seen.add(e.name()));
                // the tracer's breakpoint hits stop the guest too ("debug"): they are not pauses
                Thread.sleep(3000);
                assertThat(changes).noneMatch(c -> c instanceof Change.VmState s && s.state().equals("paused"));
                q.execute("stop", null);
                await("the watcher reported the pause",
                        () -> changes.stream().anyMatch(c -> c instanceof Change.VmState s && s.state().equals("paused")));
                q.execute("cont", null);
                assertThat(seen).containsSubsequence("STOP", "RESUME");
                await("the watcher reported the guest running again",
                        () -> changes.reversed().stream().filter(c -> c instanceof Change.VmState).findFirst()
                                .map(c -> ((Change.VmState) c).state().equals("running")).orElse(false));
            }

            // and the tracer kept tracing through all of it
            String marker = "CHIRP-SHARED-" + System.nanoTime();
            g.shell("/bin/echo " + marker + " >/dev/null", Duration.ofSeconds(60));
            await("the exec was traced", () -> traces.stream().anyMatch(e -> e instanceof TraceEvent.Exec x
                    && x.argv().contains(marker)));
        }
        assertThat(session.gdbUser()).as("the tracer let go of the gdbstub").isEmpty();
    }

    private static void await(String what, BooleanSupplier cond) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("not within " + WAIT + ": " + what);
            Thread.sleep(200);
        }
    }
}
