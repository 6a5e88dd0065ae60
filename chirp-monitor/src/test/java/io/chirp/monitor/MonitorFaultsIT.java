package io.chirp.monitor;

import io.chirp.hypervisor.LiveVm;
import io.chirp.hypervisor.QemuVm;
import io.chirp.hypervisor.VmInventory;
import io.chirp.lab.LabGuest;
import io.chirp.lab.WithLabGuest;
import io.chirp.monitor.trace.TraceEvent;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The VM going away under {@code monitor}: the lab guest runs with {@code -no-reboot}, so a reset (QMP
 * {@code system_reset}) ends QEMU, as a guest crash or a host-side kill would. The watcher must say so (a state
 * change, not silence and not a crash), go on looking for the VM ("stopped: no such VM running"), and the monitor
 * must still stop promptly. A pause during monitoring is {@link SharedSessionIT}'s.
 */
@WithLabGuest(shared = false)
class MonitorFaultsIT {
    private static final Duration WAIT = Duration.ofSeconds(120);

    @Test
    void aVmThatResetsAwayIsReportedAndTheMonitorCarriesOnAndStops(LabGuest g) throws Exception {
        QemuVm vm = new VmInventory().find(g.name());
        List<Change.VmState> states = new CopyOnWriteArrayList<>();
        MonitorListener l = new MonitorListener() {
            @Override public void onChange(VmRef ref, Change c) { if (c instanceof Change.VmState s) states.add(s); }
            @Override public void onTrace(VmRef ref, TraceEvent e) { }
        };
        Monitor m = Monitor.start(List.of(g.name()), new VmWatcher.Options(Duration.ofMillis(500), false, 0), l);
        try {
            await("attached", () -> states.stream().anyMatch(s -> s.state().equals("attached")));
            int before = states.size();
            try (LiveVm live = LiveVm.attach(vm)) {
                live.qmp().orElseThrow().execute("system_reset", null);
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (ProcessHandle.of(g.pid()).map(ProcessHandle::isAlive).orElse(false) && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertThat(ProcessHandle.of(g.pid()).map(ProcessHandle::isAlive).orElse(false)).as("QEMU ended on reset").isFalse();
            await("the watcher said the VM went away", () -> states.stream().skip(before)
                    .anyMatch(s -> List.of("shutdown", "detached", "stopped").contains(s.state())));
            await("the watcher looks for the VM again and finds none", () -> states.stream().skip(before)
                    .anyMatch(s -> s.state().equals("stopped") && s.detail().contains("no such VM")));
            Thread.sleep(2000); // a few more polls: the VM stays reported gone
            assertThat(states.getLast().state()).as("the last word on a gone VM: %s", states).isEqualTo("stopped");
        } finally {
            long t0 = System.nanoTime();
            m.close();
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("the monitor stops promptly").isLessThan(Duration.ofSeconds(15));
        }
    }

    private static void await(String what, BooleanSupplier cond) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting: " + what);
            Thread.sleep(200);
        }
    }
}
