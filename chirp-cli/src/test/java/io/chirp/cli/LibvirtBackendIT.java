package io.chirp.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chirp.hypervisor.backend.VmBackends;
import io.chirp.hypervisor.backend.VmEvent;
import io.chirp.hypervisor.backend.VmHandle;
import io.chirp.hypervisor.backend.Subscription;
import io.chirp.lab.GroundTruth;
import io.chirp.lab.LabDomain;
import io.chirp.lab.LabGuest;
import io.chirp.lab.WithLabGuest;
import io.chirp.lab.WithLibvirtDomain;
import io.chirp.libvirt.LibvirtConnection;
import io.chirp.libvirt.LibvirtDomain;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The same commands on a libvirt domain ({@code --vm libvirt:NAME --connect URI}, a real private libvirtd) and on a
 * direct QEMU lab VM, side by side, each checked against its own guest's ground truth. One domain and one guest
 * serve every test (boots are slow under TCG).
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
@WithLabGuest
@WithLibvirtDomain
class LibvirtBackendIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SECRET = "CHIRP-SECRET-0xC0FFEE known content\n";

    /** {@return the --vm arguments that name the domain through its daemon} */
    private static List<String> vm(LabDomain d) { return List.of("--vm", "libvirt:" + d.name(), "--connect", d.daemon().uri()); }

    private static List<String> vm(LabGuest g) { return List.of("--vm", g.name()); }

    private static CommandTreeTest.Run chirp(List<String> target, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(target);
        return CommandTreeTest.run(all.toArray(String[]::new));
    }

    @Test
    void vmListShowsBothKindsWithTheirBackend(LabDomain d, LabGuest g) throws Exception {
        CommandTreeTest.Run r = CommandTreeTest.run("vm", "list", "--connect", d.daemon().uri(), "--format", "json");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode lv = null, q = null;
        for (JsonNode row : JSON.readTree(r.out())) {
            if (row.path("backend").asText().equals("libvirt") && row.path("name").asText().equals(d.name())) lv = row;
            if (row.path("backend").asText().equals("qemu") && row.path("name").asText().equals(g.name())) q = row;
        }
        assertThat(lv).as(r.out()).isNotNull();
        assertThat(q).as(r.out()).isNotNull();
        assertThat(lv.path("state").asText()).isEqualTo("running");
        assertThat(lv.path("uuid").asText()).matches("[0-9a-f-]{36}");
        assertThat(lv.path("capabilities").asText()).contains("memory", "registers", "pause", "disk_views", "traffic_capture",
                "consistent_image");
        assertThat(q.path("memory_path").asText()).isEqualTo("shared_ram");
    }

    @Test
    void linuxViewsSeeEachGuestsOwnProcesses(LabDomain d, LabGuest g) throws Exception {
        checkProcesses(chirp(vm(d), "linux", "pslist", "--format", "json"), d.groundTruth());
        checkProcesses(chirp(vm(g), "linux", "pslist", "--format", "json"), g.groundTruth());
        for (List<String> view : List.of(List.of("psaux"), List.of("pstree"), List.of("lsmod"), List.of("sockets"),
                List.of("lsof", "--pid", "1"), List.of("maps", "--pid", "1"), List.of("mounts"), List.of("dmesg"),
                List.of("check"))) {
            List<String> args = new ArrayList<>(List.of("linux"));
            args.addAll(view);
            CommandTreeTest.Run r = chirp(vm(d), args.toArray(String[]::new));
            assertThat(r.code()).as(args + ": " + r.err()).isIn(0, ExitCode.PARTIAL.code(), ExitCode.FINDINGS.code());
            assertThat(r.out()).as(args.toString()).isNotBlank();
        }
        CommandTreeTest.Run lsmod = chirp(vm(d), "linux", "lsmod", "--format", "json");
        List<String> names = new ArrayList<>();
        for (JsonNode row : JSON.readTree(lsmod.out())) names.add(row.path("name").asText());
        assertThat(names).containsAll(d.groundTruth().modules());
    }

    @Test
    void registersTranslationAndReadsAgreeWithTheGuest(LabDomain d, LabGuest g) throws Exception {
        CommandTreeTest.Run regs = chirp(vm(d), "regs", "--format", "json");
        assertThat(regs.code()).as(regs.err()).isZero();
        Map<String, String> r0 = new HashMap<>();
        for (JsonNode row : JSON.readTree(regs.out())) if (row.path("vcpu").asInt() == 0) r0.put(row.path("register").asText(), row.path("value").asText());
        assertThat(Long.decode(r0.get("cr3"))).isNotZero();
        assertThat(r0.get("source")).isNotBlank();
        for (Object[] t : new Object[][] {{vm(d), d.groundTruth()}, {vm(g), g.groundTruth()}}) {
            @SuppressWarnings("unchecked") List<String> target = (List<String>) t[0];
            GroundTruth gt = (GroundTruth) t[1];
            long text = gt.kallsyms().get("_text");
            long phys = gt.kernelCodePhys().orElseThrow();
            CommandTreeTest.Run tr = chirp(target, "translate", "--format", "json", "0x" + Long.toHexString(text));
            assertThat(tr.code()).as(tr.err()).isZero();
            assertThat(Long.decode(JSON.readTree(tr.out()).get(0).path("physical").asText())).isEqualTo(phys);
        }
        long text = d.groundTruth().kallsyms().get("_text");
        CommandTreeTest.Run virt = chirp(vm(d), "read", "--virt", "0x" + Long.toHexString(text), "256");
        CommandTreeTest.Run phys = chirp(vm(d), "read", "--phys", "0x" + Long.toHexString(d.groundTruth().kernelCodePhys().orElseThrow()), "256");
        assertThat(virt.code()).as(virt.err()).isZero();
        assertThat(phys.code()).as(phys.err()).isZero();
        assertThat(hexBytes(virt.out())).isEqualTo(hexBytes(phys.out())).isNotEmpty();
    }

    @Test
    void acquireInAllThreeModesGivesImagesOfTheGuest(LabDomain d, @TempDir Path dir) throws Exception {
        for (String mode : List.of("live", "consistent", "migration")) {
            Path img = dir.resolve(mode + ".elf");
            List<String> args = new ArrayList<>(List.of("acquire", "-o", img.toString(), "--quiet"));
            if (!mode.equals("live")) args.add("--" + mode);
            CommandTreeTest.Run a = chirp(vm(d), args.toArray(String[]::new));
            assertThat(a.code()).as(a.err()).isZero();
            JsonNode m = JSON.readTree(Files.readString(Path.of(img + ".manifest.json")));
            assertThat(m.toString()).contains(mode.equals("migration") ? "libvirt/migration" : "libvirt/ram_file", d.name());
            checkProcesses(CommandTreeTest.run("linux", "pslist", "--image", img.toString(), "--format", "json"), d.groundTruth());
            if (!mode.equals("live")) assertThat(a.err()).contains("guest paused for");
        }
    }

    @Test
    void vmResumePutsBackADomainAKilledCaptureLeftWhenItsGuardianDiedToo(LabDomain d) throws Exception {
        Process dead = new ProcessBuilder("true").start();
        dead.waitFor();
        try (LibvirtConnection c = LibvirtConnection.open(d.daemon().uri()); LibvirtDomain dom = c.domain(d.name())) {
            long downtime = dom.qmp("query-migrate-parameters", null).path("downtime-limit").asLong();
            // what a capture killed in its final pause leaves when its guardian is killed too: CHIRP's migration
            // settings, a paused guest and the marker of a process that is gone
            dom.qmp("migrate-set-parameters", JSON.createObjectNode().put("downtime-limit", 20));
            dom.suspend();
            io.chirp.hypervisor.pause.PauseMarker m = new io.chirp.hypervisor.pause.PauseMarker(
                    io.chirp.hypervisor.pause.PauseMarker.Kind.MIGRATION, "libvirt:" + d.name(), -1, Path.of(""),
                    dead.pid(), java.time.Instant.EPOCH, "acquire --migration (libvirt)", java.time.Instant.now(), true,
                    Map.of("downtime-limit", downtime), true, null, d.daemon().uri());
            m.write();
            try {
                CommandTreeTest.Run r = CommandTreeTest.run("vm", "resume", "libvirt:" + d.name());
                assertThat(r.code()).as(r.err()).isZero();
                assertThat(r.out()).contains("migration parameters restored", "resumed the guest (was paused)",
                        "VM libvirt:" + d.name() + ": status running");
                assertThat(dom.state()).isEqualTo(io.chirp.libvirt.DomainState.RUNNING);
                assertThat(dom.qmp("query-migrate-parameters", null).path("downtime-limit").asLong()).isEqualTo(downtime);
                assertThat(io.chirp.hypervisor.pause.PauseMarker.read("libvirt:" + d.name())).isEmpty();
                // nothing left to undo: said so, not pretended
                CommandTreeTest.Run again = CommandTreeTest.run("vm", "resume", "libvirt:" + d.name());
                assertThat(again.code()).isEqualTo(1);
                assertThat(again.err()).contains("has no CHIRP pause marker");
            } finally {
                if (dom.state() == io.chirp.libvirt.DomainState.PAUSED) dom.resume();
                Files.deleteIfExists(m.file());
            }
        }
    }

    @Test
    void diskViewsThroughLibvirtsMonitor(LabDomain d, @TempDir Path dir) throws Exception {
        CommandTreeTest.Run ls = chirp(vm(d), "disk", "ls", "-r");
        assertThat(ls.code()).as(ls.err()).isZero();
        assertThat(ls.out()).contains("/secret.txt", "/data/hello.txt");
        Path ev = dir.resolve("ev");
        CommandTreeTest.Run x = chirp(vm(d), "disk", "extract", "--path", "/secret.txt", "-o", ev.toString());
        assertThat(x.code()).as(x.err()).isZero();
        try (Stream<Path> files = Files.walk(ev)) {
            assertThat(files.filter(Files::isRegularFile).filter(f -> !f.toString().endsWith(".json")).map(LibvirtBackendIT::read))
                    .contains(SECRET);
        }
        Path raw = dir.resolve("disk.raw");
        CommandTreeTest.Run acq = chirp(vm(d), "disk", "acquire", "-o", raw.toString(), "--format", "json");
        assertThat(acq.code()).as(acq.err()).isZero();
        assertThat(Files.size(raw)).isPositive();
        CommandTreeTest.Run again = CommandTreeTest.run("disk", "ls", "-r", "--image", raw.toString(), "--input-format", "raw");
        assertThat(again.out()).contains("/secret.txt");
        assertNoChirpObjectsLeft(d);
    }

    @Test
    void netCaptureThroughLibvirtsMonitorNamesTheNetdevAndLeavesNoFilter(LabDomain d, @TempDir Path dir) throws Exception {
        CommandTreeTest.Run several = chirp(vm(d), "net", "capture", "-o", dir.resolve("a.pcap").toString(), "--duration", "1s");
        assertThat(several.code()).isEqualTo(ExitCode.USAGE.code());
        assertThat(several.err()).contains("several netdevs", "chirpnet0");
        Path pcap = dir.resolve("c.pcap");
        CommandTreeTest.Run r = chirp(vm(d), "net", "capture", "--netdev", "chirpnet0", "-o", pcap.toString(),
                "--duration", "3s", "--format", "json");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode row = JSON.readTree(r.out()).get(0);
        assertThat(row.path("netdev").asText()).isEqualTo("chirpnet0");
        byte[] head = Files.readAllBytes(pcap);
        assertThat(head.length).isGreaterThanOrEqualTo(24);
        assertThat(head[0] & 0xff).isIn(0xd4, 0xa1); // pcap magic, either byte order
        assertNoChirpObjectsLeft(d);
    }

    @Test
    void lifecycleEventsArriveLiveAndTheMonitorSeesThePause(LabDomain d, @TempDir Path dir) throws Exception {
        List<VmEvent> events = new CopyOnWriteArrayList<>();
        try (var backend = VmBackends.byId("libvirt").connect(d.daemon().uri());
             Subscription s = backend.onLifecycle(events::add);
             VmHandle h = VmBackends.open("libvirt:" + d.name(), Optional.of(d.daemon().uri()))) {
            long paused = h.whilePaused(() -> sleep(Duration.ofMillis(300)));
            assertThat(paused).isGreaterThan(Duration.ofMillis(300).toNanos());
            waitFor(() -> events.stream().anyMatch(e -> e.kind() == VmEvent.Kind.RESUMED), Duration.ofSeconds(20));
            assertThat(events).extracting(VmEvent::kind).containsSubsequence(VmEvent.Kind.PAUSED, VmEvent.Kind.RESUMED);
            assertThat(events).allSatisfy(e -> assertThat(e.vm().name()).isEqualTo(d.name()));
        }
        Path jsonl = dir.resolve("events.jsonl");
        CommandTreeTest.Run[] run = new CommandTreeTest.Run[1];
        Thread t = Thread.ofPlatform().start(() -> run[0] = chirp(vm(d), "monitor", "--sink", "jsonl:" + jsonl,
                "--duration", "60s", "--interval", "1s", "--integrity-every", "0"));
        // the sink writes in batches: the file is read after the run. The pause is long enough that a watcher that
        // attaches late (a loaded machine) still finds the domain paused and says so.
        sleep(Duration.ofSeconds(25));
        d.suspend();
        sleep(Duration.ofSeconds(15));
        d.resume();
        t.join(Duration.ofMinutes(2));
        assertThat(run[0]).isNotNull();
        assertThat(run[0].code()).as(run[0].err()).isZero();
        assertThat(read(jsonl)).contains(d.name(), "\"paused\"");
    }

    private static void checkProcesses(CommandTreeTest.Run r, GroundTruth gt) throws Exception {
        assertThat(r.code()).as(r.err()).isZero();
        Map<Integer, JsonNode> byPid = new HashMap<>();
        for (JsonNode row : JSON.readTree(r.out())) byPid.putIfAbsent(row.path("pid").asInt(), row);
        int compared = 0;
        for (GroundTruth.Process p : gt.processes()) {
            // scenario processes (children of init) and the first tasks live for the whole test
            boolean longLived = (p.ppid() == 1 && !p.args().equals("/bin/sleep 5")) || p.pid() <= 2;
            JsonNode o = byPid.get(p.pid());
            if (o == null) {
                assertThat(longLived).as("process %s (%s) is missing", p.pid(), p.comm()).isFalse();
                continue;
            }
            if (!o.path("comm").asText().equals(p.comm())) continue; // a short-lived pid reused since the report
            compared++;
            assertThat(o.path("ppid").asInt()).as("ppid of %s", p.pid()).isEqualTo(p.ppid());
            assertThat(o.path("uid").asInt()).as("uid of %s", p.pid()).isEqualTo(p.uid());
        }
        assertThat(compared).isGreaterThan(40);
        assertThat(byPid.values()).anySatisfy(p -> assertThat(p.path("comm").asText()).isEqualTo("evil_miner"));
    }

    /** Nothing CHIRP adds inside QEMU (fleece nodes, exports, capture filters) outlives the command. */
    private static void assertNoChirpObjectsLeft(LabDomain d) {
        try (LibvirtConnection c = LibvirtConnection.open(d.daemon().uri()); LibvirtDomain dom = c.domain(d.name())) {
            // CHIRP's objects are named chirp-dump-* (capture filters) and chirp-fleece-* (nodes, jobs, exports)
            assertThat(names(dom.qmp("qom-list", JSON.createObjectNode().put("path", "/objects")), "name")).noneMatch(n -> n.startsWith("chirp-"));
            assertThat(names(dom.qmp("query-block-exports", null), "id")).noneMatch(n -> n.startsWith("chirp-"));
            assertThat(names(dom.qmp("query-block-jobs", null), "device")).noneMatch(n -> n.startsWith("chirp-"));
            assertThat(names(dom.qmp("query-named-block-nodes", null), "node-name")).noneMatch(n -> n.startsWith("chirp-"))
                    .isNotEmpty();
        }
    }

    private static List<String> names(JsonNode list, String field) {
        List<String> out = new ArrayList<>();
        for (JsonNode n : list) out.add(n.path(field).asText());
        return out;
    }

    /** {@return the bytes of a hex dump (the two-digit groups after each address), '??' as -1} */
    private static List<Integer> hexBytes(String dump) {
        List<Integer> out = new ArrayList<>();
        for (String line : dump.lines().toList()) {
            String[] f = line.strip().split("\\s+");
            for (int i = 1; i < f.length && i <= 16; i++) {
                if (f[i].matches("[0-9a-f]{2}")) out.add(Integer.parseInt(f[i], 16));
                else if (f[i].equals("??")) out.add(-1);
                else break;
            }
        }
        return out;
    }

    private static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            return "";
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void waitFor(java.util.function.BooleanSupplier c, Duration max) {
        long end = System.nanoTime() + max.toNanos();
        while (!c.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waited %s", max).isLessThan(end);
            sleep(Duration.ofMillis(200));
        }
    }
}
