package io.chirp.linux;

import io.chirp.core.VirtAddr;
import io.chirp.hypervisor.LiveVm;
import io.chirp.hypervisor.qemu.GdbRemote;
import io.chirp.lab.GroundTruth;
import io.chirp.lab.LabGuest;
import io.chirp.lab.WithLabGuest;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Kernel threads on the standard lab guest: every kernel thread the guest's /proc listed is there with its name,
 * every thread function is the address the guest's own /proc/kallsyms gives its symbol, nothing is flagged on the
 * clean guest, and a thread whose kthread->threadfn is made to point outside kernel text and every module (written
 * from the host through the gdbstub, as a hidden module's thread would look) is flagged, then restored.
 */
@WithLabGuest
class KernelThreadsIT {

    @Test
    void kernelThreadsAndTheirFunctionsAreTheGuestsOwn(LabGuest g) throws Exception {
        // kernel threads by the guest's own /proc: kthreadd (pid 2) and its children, which have no command line
        List<GroundTruth.Process> truth = g.groundTruth().processes().stream()
                .filter(p -> (p.pid() == 2 || p.ppid() == 2) && p.args().isBlank()).toList();
        assertThat(truth).hasSizeGreaterThan(10);
        KernelThreads.Listing l;
        LinuxKernel k;
        try (LiveVm live = Guests.live(g)) {
            k = LinuxKernel.attach(live.memory(), live.registers());
            l = new KernelThreads(k).list();
        }
        assertThat(l.problems()).isEmpty();
        assertThat(l.threads()).allSatisfy(t -> assertThat(t.problems()).as("pid %d", t.process().pid()).isEmpty());
        Map<Integer, KernelThreads.Thread> byPid = l.threads().stream().collect(Collectors.toMap(t -> t.process().pid(), t -> t));
        int compared = 0;
        List<Integer> missing = new ArrayList<>();
        for (GroundTruth.Process p : truth) {
            KernelThreads.Thread t = byPid.get(p.pid());
            if (t == null) {
                missing.add(p.pid()); // a worker the pool let go since the report, ext4lazyinit done, ...: asked below
                continue;
            }
            // /proc/PID/comm shows a worker's workqueue after its comm, and a long name in full
            assertThat(p.comm()).as("pid %d", p.pid()).satisfiesAnyOf(
                    c -> assertThat(c).startsWith(t.process().comm()),
                    c -> assertThat(c).isEqualTo(t.fullName()));
            compared++;
        }
        assertThat(compared).isGreaterThan(10);
        if (!missing.isEmpty()) {
            // a thread still in the guest's /proc after CHIRP's read was there during it: then CHIRP missed it
            String alive = g.shell("for p in " + missing.stream().map(String::valueOf).collect(Collectors.joining(" "))
                    + "; do [ -d /proc/$p ] && echo alive=$(cat /proc/$p/comm); done; echo checked", Duration.ofSeconds(120));
            assertThat(alive.lines().filter(x -> x.contains("alive=")).toList()).as("kernel threads CHIRP did not list").isEmpty();
        }
        assertThat(l.threads()).as("the kernel threads are kthreadd and its children")
                .allSatisfy(t -> assertThat(t.process().pid() == 2 || t.process().ppid() == 2).isTrue());

        KernelThreads.Thread kthreadd = byPid.get(2);
        assertThat(kthreadd.function()).as("kthreadd is not started through kthread()").isZero();
        List<KernelThreads.Thread> withFn = l.threads().stream().filter(t -> t.process().pid() != 2).toList();
        assertThat(withFn).allSatisfy(t -> {
            assertThat(t.function()).isNotNull().isNotZero();
            assertThat(t.suspicious()).isFalse();
            assertThat(t.owner()).isNotNull();
            if (t.owner().equals("kernel")) assertThat(t.symbol()).as("a function's own start").doesNotContain("+");
        });
        assertThat(withFn).filteredOn(t -> t.process().comm().startsWith("kworker/"))
                .extracting(KernelThreads.Thread::symbol).containsOnly("worker_thread");
        assertThat(withFn).filteredOn(t -> t.process().comm().startsWith("ksoftirqd/"))
                .extracting(KernelThreads.Thread::symbol).containsOnly("smpboot_thread_fn");

        // each function's address is the one the guest's /proc/kallsyms gives its name. The answer's characters are
        // each followed by '_' so that a byte the loaded serial log doubles is collapsed again (LabGuest.squeeze).
        Map<String, Long> bySymbol = withFn.stream().filter(t -> t.owner().equals("kernel"))
                .collect(Collectors.toMap(KernelThreads.Thread::symbol, KernelThreads.Thread::function, (a, b) -> a,
                        java.util.TreeMap::new));
        assertThat(bySymbol).hasSizeGreaterThan(5);
        List<String> names = new ArrayList<>(bySymbol.keySet());
        String answer = g.shell("for s in " + String.join(" ", names) + "; do echo \"ks=$(grep -m1 \" $s$\" /proc/kallsyms"
                + " | cut -d' ' -f1 | sed 's/./&_/g')\"; done", Duration.ofSeconds(180));
        List<Long> guest = answer.lines().map(x -> LabGuest.squeeze(x.strip())).filter(x -> x.startsWith("ks="))
                .map(x -> Long.parseUnsignedLong(x.substring(3).replace("_", ""), 16)).toList();
        assertThat(guest).as(answer).hasSameSizeAs(names);
        for (int i = 0; i < names.size(); i++) {
            assertThat(bySymbol.get(names.get(i))).as(names.get(i)).isEqualTo(guest.get(i));
        }

        // a thread whose function lies in memory no module owns (its own task_struct, in the direct map) is flagged
        KernelThreads.Thread victim = withFn.stream().filter(t -> !t.process().comm().startsWith("kworker/"))
                .filter(t -> t.owner().equals("kernel")).findFirst().orElseThrow();
        long ptr = k.layout().offset("task_struct", new KernelThreads(k).pointer() == KernelThreads.KthreadPointer.WORKER_PRIVATE
                ? "worker_private" : "set_child_tid");
        try (LiveVm live = Guests.live(g)) {
            LinuxKernel k2 = LinuxKernel.attach(live.memory(), live.registers());
            long fnAddr = k2.reader().u64(victim.process().task() + ptr) + k2.layout().offset("kthread", "threadfn");
            assertThat(k2.reader().u64(fnAddr)).isEqualTo(victim.function());
            write(g, k2, fnAddr, victim.process().task());
            try {
                // linux check says so too, as a critical finding of its kernel_threads check
                io.chirp.linux.integrity.IntegrityReport rep = new io.chirp.linux.integrity.IntegrityCheck(k2, live.registers())
                        .run(java.util.Set.of("kernel_threads"));
                assertThat(rep.findings(io.chirp.linux.integrity.IntegrityFinding.Severity.CRITICAL)).singleElement()
                        .satisfies(f -> assertThat(f.evidence()).containsEntry("pid", String.valueOf(victim.process().pid()))
                                .containsEntry("threadfn", "0x" + Long.toHexString(victim.process().task())));
                KernelThreads.Listing tampered = new KernelThreads(k2).list();
                assertThat(tampered.threads()).filteredOn(KernelThreads.Thread::suspicious).singleElement().satisfies(t -> {
                    assertThat(t.process().pid()).isEqualTo(victim.process().pid());
                    assertThat(t.function()).isEqualTo(victim.process().task());
                    assertThat(t.owner()).isNull();
                    assertThat(t.symbol()).isNull();
                });
            } finally {
                write(g, k2, fnAddr, victim.function());
            }
            assertThat(new KernelThreads(k2).list().threads()).noneMatch(KernelThreads.Thread::suspicious);
            assertThat(new io.chirp.linux.integrity.IntegrityCheck(k2, live.registers()).run(java.util.Set.of("kernel_threads"))
                    .findings(io.chirp.linux.integrity.IntegrityFinding.Severity.INFO)).isEmpty();
        }
    }

    private static void write(LabGuest g, LinuxKernel k, long va, long value) throws Exception {
        try (GdbRemote gdb = GdbRemote.connect("127.0.0.1", g.gdbPort())) {
            gdb.physicalMode(true);
            gdb.writeMemory(k.kernelSpace().physical(new VirtAddr(va)).value(),
                    ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(value).array());
        }
    }
}
