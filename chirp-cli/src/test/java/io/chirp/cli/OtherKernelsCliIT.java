package io.chirp.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chirp.detect.Detector;
import io.chirp.events.OcsfEvent;
import io.chirp.hypervisor.LiveVm;
import io.chirp.hypervisor.VmInventory;
import io.chirp.lab.GroundTruth;
import io.chirp.lab.LabGuest;
import io.chirp.lab.WithLabGuest;
import io.chirp.linux.LinuxKernel;
import io.chirp.monitor.EventPipeline;
import io.chirp.monitor.Monitor;
import io.chirp.monitor.VmWatcher;
import io.chirp.net.attribution.Attribution;
import io.chirp.net.flow.Endpoint;
import io.chirp.net.flow.Flow;
import io.chirp.symbols.isf.IsfReader;
import io.chirp.tables.NetTables;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the CLI and the monitor do, on kernels besides the default (the views in-process are in chirp-linux's
 * {@code OtherKernelsIT}): {@code symbols export-isf} and {@code linux check} as commands, the monitor's polling,
 * and flow attribution, each against the guest's own ground truth. A representative pair: Debian 6.12 generic (the
 * newest structures: maple tree, rbtree mounts, module_memory, thread_head) and 6.1 cloud (built-in drivers, few
 * modules).
 */
class OtherKernelsCliIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    abstract static class Commands {
        @Test
        void exportIsfThroughTheCliHoldsTheGuestsSymbols(LabGuest g, @TempDir Path dir) throws Exception {
            Path out = dir.resolve("kernel.json");
            CommandTreeTest.Run r = CommandTreeTest.run("symbols", "export-isf", "--vm", g.name(), "-o", out.toString());
            assertThat(r.code()).as(r.err()).isZero();
            IsfReader.Isf isf = IsfReader.fromJson(JSON.readTree(Files.readString(out)));
            GroundTruth gt = g.groundTruth();
            assertThat(isf.banner()).hasValueSatisfying(b -> assertThat(b).startsWith("Linux version " + gt.kernelRelease() + " "));
            // link-time addresses: their distances are the guest's (/proc/kallsyms), whatever the KASLR slide
            long text = gt.kallsyms().get("_text");
            for (String sym : List.of("init_task", "linux_banner", "sys_call_table")) {
                assertThat(isf.symbols().address(sym) - isf.symbols().address("_text")).as(sym)
                        .isEqualTo(gt.kallsyms().get(sym) - text);
            }
        }

        /** The heuristics flag the standard scenario's staged processes and nothing else; integrity has no findings. */
        @Test
        void checkFlagsExactlyTheStagedProcesses(LabGuest g) throws Exception {
            CommandTreeTest.Run r = CommandTreeTest.run("linux", "check", "--vm", g.name(), "--format", "json");
            assertThat(r.code()).as(r.err()).isEqualTo(ExitCode.FINDINGS.code());
            int miner = pid(g, "evil_miner"), kworkerd = pid(g, "kworkerd");
            List<String> findings = new ArrayList<>();
            for (JsonNode f : JSON.readTree(r.out()).get("findings")) {
                findings.add(f.get("severity").asText() + " " + f.get("check").asText() + " " + f.at("/evidence/pid").asText());
            }
            assertThat(findings).containsExactlyInAnyOrder("WARNING exe_location " + miner, "WARNING masquerade " + miner,
                    "WARNING masquerade " + kworkerd);
        }

        @Test
        void monitorPollingReportsAProcessStartedInTheGuest(LabGuest g) {
            List<OcsfEvent> events = new CopyOnWriteArrayList<>();
            EventPipeline p = new EventPipeline(List.of(), Detector.shipped(), a -> { }, events::add);
            try (Monitor m = Monitor.start(List.of(g.name()), new VmWatcher.Options(Duration.ofMillis(500), false, 0), p)) {
                await(events, e -> e.classUid() == 5019 && e.json().path("state").asText().equals("attached"));
                // exec: the background subshell becomes the sleep, so $! is its pid
                int pid = Integer.parseInt(g.shell("(exec /bin/sleep 4243) </dev/null >/dev/null 2>&1 & echo $!",
                        Duration.ofSeconds(90)).strip());
                OcsfEvent started = await(events, e -> e.classUid() == 1007
                        && e.json().at("/process/cmd_line").asText().equals("/bin/sleep 4243"));
                assertThat(started.json().at("/process/pid").asInt()).isEqualTo(pid);
            } finally {
                p.close();
            }
        }

        /** The scenario's kept-alive connection to 10.0.2.100:8000, as /proc/net/tcp lists it, is owned by its nc. */
        @Test
        void flowAttributionNamesTheProcessHoldingTheConnection(LabGuest g) throws Exception {
            GroundTruth.Socket s = g.groundTruth().sockets().stream()
                    .filter(x -> x.table().equals("tcp") && x.remotePort() == 8000 && x.state() == 0x01).findFirst().orElseThrow();
            Flow f = new Flow(6, new Endpoint(InetAddress.getByName("10.0.2.15"), s.localPort()),
                    new Endpoint(InetAddress.getByName("10.0.2.100"), 8000), Instant.now(), Instant.now(),
                    new Flow.Direction(1, 60, 0, 0x18), new Flow.Direction(1, 60, 0, 0x18), Optional.empty(), Optional.empty(),
                    List.of(), List.of());
            int nc = g.groundTruth().processes().stream().filter(x -> x.args().equals("nc 10.0.2.100 8000"))
                    .mapToInt(GroundTruth.Process::pid).findFirst().orElseThrow();
            try (LiveVm live = LiveVm.attach(new VmInventory().find(g.name()))) {
                LinuxKernel k = LinuxKernel.attach(live.memory(), live.registers());
                Attribution.Attributed a = Attribution.join(List.of(f), NetTables.guestSockets(k)).getFirst();
                assertThat(a.match()).isEqualTo(Attribution.Match.CONNECTION);
                assertThat(a.owner()).hasValueSatisfying(o -> {
                    assertThat(o.pid()).isEqualTo(nc);
                    assertThat(o.cmdLine()).isEqualTo("nc 10.0.2.100 8000");
                });
            }
        }

        private static int pid(LabGuest g, String comm) {
            return g.groundTruth().processes().stream().filter(p -> p.comm().equals(comm)).mapToInt(GroundTruth.Process::pid)
                    .findFirst().orElseThrow();
        }

        private static OcsfEvent await(List<OcsfEvent> events, java.util.function.Predicate<OcsfEvent> want) {
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (System.nanoTime() < deadline) {
                Optional<OcsfEvent> e = events.stream().filter(want).findFirst();
                if (e.isPresent()) return e.get();
                try {
                    Thread.sleep(200);
                } catch (InterruptedException x) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            throw new AssertionError("event not seen in 120 s; events: " + events.stream()
                    .map(e -> e.classUid() + "/" + e.activityName()).toList());
        }
    }

    @Nested
    @WithLabGuest(kernel = "linux-image-6.12-amd64", shared = false)
    class Debian612Generic extends Commands {}

    @Nested
    @WithLabGuest(kernel = "linux-image-cloud-amd64", shared = false)
    class Debian61Cloud extends Commands {}
}
