package io.chirp.monitor;

import io.chirp.core.VirtAddr;
import io.chirp.hypervisor.LiveVm;
import io.chirp.hypervisor.VmInventory;
import io.chirp.lab.LabGuest;
import io.chirp.lab.WithLabGuest;
import io.chirp.linux.LinuxKernel;
import io.chirp.linux.LinuxProcess;
import io.chirp.linux.Processes;
import io.chirp.monitor.trace.KernelTracer;
import io.chirp.monitor.trace.TraceEvent;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/** A command that lives a few milliseconds: polling misses it, hypervisor breakpoints catch it with its arguments. */
@WithLabGuest(shared = false)
class KernelTracerIT {

    @Test
    void shortLivedProcessIsCaughtByTracingNotByPolling(LabGuest g) throws Exception {
        try (LiveVm live = LiveVm.attach(new VmInventory().find(g.name()))) {
            LinuxKernel k = LinuxKernel.attach(live.memory(), live.registers());
            String marker = "CHIRP-SHORT-" + System.nanoTime();

            // Polling alone: a process list every 500 ms while the short-lived command runs, 3 times.
            Processes ps = new Processes(k);
            List<String> polled = new ArrayList<>();
            Thread poller = Thread.ofVirtual().start(() -> {
                for (int i = 0; i < 12; i++) {
                    for (LinuxProcess p : ps.list(false, true).processes()) {
                        if (p.cmdline() != null && p.cmdline().contains(marker)) polled.add(p.cmdline());
                    }
                    try { Thread.sleep(500); } catch (InterruptedException e) { return; }
                }
            });
            for (int i = 0; i < 3; i++) {
                g.shell("/bin/echo " + marker + "-poll >/dev/null", Duration.ofSeconds(30));
                Thread.sleep(1000);
            }
            poller.join();
            assertThat(polled).as("polling every 500 ms never sees a process that lives milliseconds").isEmpty();

            Map<KernelTracer.Probe, byte[]> codeBefore = new HashMap<>();
            List<TraceEvent> events = new CopyOnWriteArrayList<>();
            try (KernelTracer t = KernelTracer.start(g.gdbPort(), k,
                    EnumSet.of(KernelTracer.Probe.EXEC, KernelTracer.Probe.EXIT, KernelTracer.Probe.CONNECT), events::add)) {
                for (var e : t.breakpoints().entrySet()) {
                    long pa = k.kernelSpace().physical(new VirtAddr(e.getValue())).value();
                    codeBefore.put(e.getKey(), live.memory().readBytes(pa, 16));
                }
                String out = g.shell("/bin/echo " + marker + " arg2; echo hello | nc 10.0.2.100 8000", Duration.ofSeconds(60));
                assertThat(out).as("the traced guest still works").contains(marker + " arg2").contains("hello");

                // The breakpoints are invisible to the guest: its memory at the breakpoint addresses is unchanged.
                for (var e : t.breakpoints().entrySet()) {
                    long pa = k.kernelSpace().physical(new VirtAddr(e.getValue())).value();
                    assertThat(live.memory().readBytes(pa, 16)).as("code at %s", e.getKey()).isEqualTo(codeBefore.get(e.getKey()));
                }
                long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                while (System.nanoTime() < deadline && events.stream().noneMatch(e -> e instanceof TraceEvent.Connect)) {
                    Thread.sleep(100);
                }
                assertThat(t.stats().hits()).isPositive();
            }
            assertThat(live.status()).as("the guest runs on after tracing").isEqualTo("running");

            TraceEvent.Exec exec = events.stream().filter(e -> e instanceof TraceEvent.Exec x
                            && x.argv().contains(marker)).map(e -> (TraceEvent.Exec) e).findFirst()
                    .orElseThrow(() -> new AssertionError("exec not traced; got " + events));
            assertThat(exec.filename()).isEqualTo("/bin/echo");
            assertThat(exec.argv()).containsExactly("/bin/echo", marker, "arg2");
            assertThat(exec.task().comm()).as("the forked shell, before exec").isEqualTo("sh");
            assertThat(exec.task().uid()).isZero();
            int shellPid = exec.task().ppid();
            assertThat(exec.task().parentComm()).isEqualTo("sh");
            assertThat(shellPid).isPositive();
            assertThat(events).anySatisfy(e -> {
                assertThat(e).isInstanceOf(TraceEvent.Exit.class);
                assertThat(e.task().pid()).isEqualTo(exec.task().pid());
            });
            assertThat(events).anySatisfy(e -> {
                assertThat(e).isInstanceOf(TraceEvent.Connect.class);
                TraceEvent.Connect c = (TraceEvent.Connect) e;
                assertThat(c.address()).isEqualTo("10.0.2.100");
                assertThat(c.port()).isEqualTo(8000);
                assertThat(c.task().comm()).isEqualTo("nc");
            });
        }
    }
}
