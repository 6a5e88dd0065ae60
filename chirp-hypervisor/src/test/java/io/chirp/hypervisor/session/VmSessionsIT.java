package io.chirp.hypervisor.session;

import io.chirp.core.ChirpException;
import io.chirp.core.CpuState;
import io.chirp.hypervisor.LiveVm;
import io.chirp.hypervisor.QemuVm;
import io.chirp.hypervisor.VmInventory;
import io.chirp.hypervisor.qemu.HmpRegisters;
import io.chirp.hypervisor.qemu.QmpClient;
import io.chirp.lab.GroundTruth;
import io.chirp.lab.LabGuest;
import io.chirp.lab.WithLabGuest;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The broker on a real guest: one QMP connection shared by many users, events to all, the gdbstub lent out. */
@WithLabGuest
class VmSessionsIT {

    private static long bannerPhys(GroundTruth gt) {
        Map<String, Long> k = gt.kallsyms();
        return gt.kernelCodePhys().orElseThrow() + (k.get("linux_banner") - k.get("_text"));
    }

    @Test
    void concurrentUsersShareOneQmpConnectionAndItClosesAfterTheLast(LabGuest g) throws Exception {
        QemuVm vm = new VmInventory().find(g.name());
        Duration grace = VmSessions.shared().idleGrace();
        VmSessions.shared().idleGrace(Duration.ZERO);
        try {
            try (LiveVm a = LiveVm.attach(vm); LiveVm b = LiveVm.attach(vm)) {
                assertThat(a.qmp()).isPresent();
                assertThat(b.qmp()).as("the second user in the process is not locked out").isPresent();
                assertThat(a.session()).isSameAs(b.session());
                assertThat(a.session().qmpUsers()).isEqualTo(2);
                // requests from many threads over both handles interleave on the one socket, each gets its reply
                List<Future<String>> results = new ArrayList<>();
                try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
                    for (int i = 0; i < 16; i++) {
                        LiveVm who = i % 2 == 0 ? a : b;
                        int n = i;
                        results.add(pool.submit(() -> n % 4 == 0 ? who.qmp().orElseThrow().status()
                                : HmpRegisters.parse(who.qmp().orElseThrow().hmp("info registers -a")).getFirst().source()));
                    }
                    for (int i = 0; i < results.size(); i++) {
                        assertThat(results.get(i).get(60, TimeUnit.SECONDS)).isEqualTo(i % 4 == 0 ? "running" : "qmp:hmp");
                    }
                }
                assertThat(a.layoutSource()).contains("QMP");
                // code that knows only the socket path joins the broker's connection instead of queueing behind it
                try (QmpClient plain = QmpClient.connect(g.qmpSocket())) {
                    assertThat(plain.status()).isEqualTo("running");
                }
                assertThat(a.qmp().orElseThrow().status()).as("its close left the shared connection open").isEqualTo("running");
            }
            assertThat(VmSessions.shared().session(vm).qmpConnected()).as("released by its last user").isFalse();
            // and QEMU really is free again: a plain client gets the greeting
            try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                ch.connect(UnixDomainSocketAddress.of(g.qmpSocket()));
                assertThat(greeting(ch)).contains("\"QMP\"");
            }
        } finally {
            VmSessions.shared().idleGrace(grace);
        }
    }

    @Test
    void eventsReachEveryListenerAndASlowOneDelaysNobody(LabGuest g) throws Exception {
        QemuVm vm = new VmInventory().find(g.name());
        try (LiveVm a = LiveVm.attach(vm); LiveVm b = LiveVm.attach(vm); LiveVm c = LiveVm.attach(vm)) {
            QmpClient qa = a.qmp().orElseThrow(), qb = b.qmp().orElseThrow(), qc = c.qmp().orElseThrow();
            List<String> seenA = new CopyOnWriteArrayList<>(), seenB = new CopyOnWriteArrayList<>();
            qa.onEvent(e -> seenA.add(e.name()));
            qb.onEvent(e -> seenB.add(e.name()));
            CountDownLatch stuck = new CountDownLatch(1);
            // a listener that stops taking events, with room for one: it must lose events, not hold up the others
            QmpClient.Subscription slow = qc.onEvent("stuck test listener", 1, e -> {
                try { stuck.await(); } catch (InterruptedException ie) { Thread.currentThread().interrupt(); }
            });
            try {
                for (int round = 0; round < 3; round++) {
                    long t0 = System.nanoTime();
                    qa.execute("stop", null);
                    qa.execute("cont", null);
                    assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("commands are not slowed").isLessThan(Duration.ofSeconds(10));
                }
                // a's own listener has seen every event before a's command returned
                assertThat(seenA).containsExactly("STOP", "RESUME", "STOP", "RESUME", "STOP", "RESUME");
                qb.status(); // b's listener: after one of b's own round trips
                assertThat(seenB).containsExactly("STOP", "RESUME", "STOP", "RESUME", "STOP", "RESUME");
                assertThat(slow.dropped()).as("the stuck listener lost events, and says so").isGreaterThanOrEqualTo(4);
            } finally {
                stuck.countDown();
            }
            assertThat(qa.status()).isEqualTo("running");
        }
    }

    @Test
    void aNonChirpQmpClientIsNamedAndMemoryStillReadsWithinBounds(LabGuest g) throws Exception {
        QemuVm vm = new VmInventory().find(g.name());
        Duration grace = VmSessions.shared().idleGrace();
        VmSessions.shared().idleGrace(Duration.ZERO);
        List<SocketChannel> queued = new ArrayList<>();
        try (SocketChannel holder = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            holder.connect(UnixDomainSocketAddress.of(g.qmpSocket()));
            assertThat(greeting(holder)).contains("\"QMP\"");
            // a second attach must not queue forever: the greeting that never comes is waited for a few seconds
            attachWithoutQmp(g, vm, "sent no QMP greeting within 5 s");
            // at once again: the fresh failure stands, no new attempt (which would take another slot in QEMU's queue)
            Duration quick = attachWithoutQmp(g, vm, "as found");
            assertThat(quick).isLessThan(Duration.ofSeconds(4));
            // fill QEMU's listen queue, as clients that gave up leave it: now even connect() would block, forever
            for (int i = 0; i < 3; i++) {
                SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
                ch.configureBlocking(false);
                try {
                    ch.connect(UnixDomainSocketAddress.of(g.qmpSocket()));
                    queued.add(ch);
                } catch (java.io.IOException e) {
                    ch.close(); // full already
                }
            }
            Thread.sleep(6000); // past the retry delay
            attachWithoutQmp(g, vm, "listen queue is full");
        } finally {
            for (SocketChannel ch : queued) ch.close();
            VmSessions.shared().idleGrace(grace);
        }
        // once the holder lets go, QEMU serves CHIRP again
        awaitQmp(vm);
    }

    @Test
    void theGdbstubIsLentToOneUserAtATime(LabGuest g) throws Exception {
        QemuVm vm = new VmInventory().find(g.name());
        VmSession s = VmSessions.shared().session(vm);
        AtomicReference<List<CpuState>> later = new AtomicReference<>();
        try (LiveVm live = LiveVm.attach(vm)) {
            Thread waiter;
            try (GdbLease tracer = s.gdb("tracer", Duration.ZERO)) {
                assertThat(tracer.remote().threadIds()).isNotEmpty();
                assertThat(s.gdbUser()).contains("tracer");
                assertThatThrownBy(() -> s.gdb("registers", Duration.ZERO)).isInstanceOf(ChirpException.class)
                        .hasMessageContaining("gdbstub of VM " + vm.name() + " is in use by the tracer");
                // QMP is not affected: registers without the gdbstub
                assertThat(live.registers()).hasSize(1);
                // someone willing to wait gets it when the tracer lets go
                waiter = Thread.ofVirtual().start(() -> later.set(live.registersFromGdb()));
                Thread.sleep(1000);
                assertThat(later.get()).isNull();
            }
            waiter.join(Duration.ofSeconds(30));
            assertThat(later.get()).hasSize(1);
            assertThat(later.get().getFirst().kernelGsBase()).isPresent();
            assertThat(s.gdbUser()).isEmpty();
            assertThat(live.status()).as("every lease detached, so the guest runs").isEqualTo("running");
        }
    }

    /** Attaches while QMP is held: bounded, memory through the RAM file, registers refused naming the holder. */
    private static Duration attachWithoutQmp(LabGuest g, QemuVm vm, String why) {
        long t0 = System.nanoTime();
        try (LiveVm live = LiveVm.attach(vm)) {
            Duration took = Duration.ofNanos(System.nanoTime() - t0);
            assertThat(took).isLessThan(Duration.ofSeconds(20));
            assertThat(live.qmp()).isEmpty();
            assertThat(live.qmpProblem().orElseThrow()).contains("QMP of VM " + vm.name() + " is held by another client")
                    .contains(why);
            assertThat(live.layoutSource()).contains("RAM size");
            String banner = new String(live.memory().readBytes(bannerPhys(g.groundTruth()), 14), StandardCharsets.US_ASCII);
            assertThat(banner).isEqualTo("Linux version ");
            assertThatThrownBy(live::registers).isInstanceOf(ChirpException.class)
                    .hasMessageContaining("held by another client").hasMessageContaining("registers need QMP");
            return took;
        }
    }

    private static void awaitQmp(QemuVm vm) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            try (LiveVm live = LiveVm.attach(vm)) {
                if (live.qmp().isPresent()) return;
            }
            if (System.nanoTime() > deadline) throw new AssertionError("QMP did not come back after its holder left");
            Thread.sleep(500);
        }
    }

    private static String greeting(SocketChannel ch) throws Exception {
        AtomicReference<String> line = new AtomicReference<>();
        Thread t = Thread.ofVirtual().start(() -> {
            try {
                line.set(new BufferedReader(new InputStreamReader(Channels.newInputStream(ch), StandardCharsets.UTF_8)).readLine());
            } catch (java.io.IOException e) {
                line.set("error: " + e);
            }
        });
        t.join(Duration.ofSeconds(15));
        if (line.get() == null) {
            ch.close();
            throw new AssertionError("no QMP greeting within 15 s");
        }
        return line.get();
    }
}
