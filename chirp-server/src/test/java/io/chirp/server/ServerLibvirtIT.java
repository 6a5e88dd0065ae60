package io.chirp.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.chirp.hypervisor.backend.MissingCapabilityException;
import io.chirp.hypervisor.backend.VmBackends;
import io.chirp.hypervisor.backend.VmHandle;
import io.chirp.lab.FileHashes;
import io.chirp.lab.GroundTruth;
import io.chirp.lab.LabDomain;
import io.chirp.lab.WithLibvirtDomain;
import io.chirp.libvirt.LibvirtBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code chirp serve} on a libvirt domain (a real private libvirtd, {@code libvirt:NAME}): the server reaches it
 * only through the back-end interface, so its inventory, views, jobs (memory, capture) and monitor work as on a
 * QEMU VM, and what the domain lacks is refused up front, naming the capability.
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES)
@WithLibvirtDomain
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ServerLibvirtIT {
    private static ChirpServer server;
    private static Path home;
    private static ApiClient client;
    private static String analyst, viewer;

    private static synchronized String start(LabDomain d) throws Exception {
        String vm = "libvirt:" + d.name();
        if (server != null) return vm;
        // what chirp serve --connect does: a bare libvirt:NAME means this daemon for the whole server
        System.setProperty(LibvirtBackend.URI_PROPERTY, d.daemon().uri());
        home = Files.createTempDirectory("chirp-serve-lv-it");
        ServerConfig base = ServerConfig.defaults(home).withPort(0).withVms(List.of(vm)).withInterval(Duration.ofMillis(500));
        server = ChirpServer.start(new ServerConfig(base.host(), base.port(), base.home(), base.tls(), base.vms(),
                base.interval(), true, base.integrityEvery(), base.rules(), base.shippedRules(), base.store()));
        client = new ApiClient(server.uri());
        analyst = server.credentials().createToken("analyst", Role.ANALYST).secret();
        viewer = server.credentials().createToken("viewer", Role.VIEWER).secret();
        return vm;
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) server.close();
        System.clearProperty(LibvirtBackend.URI_PROPERTY);
        if (home != null) {
            try (var files = Files.walk(home)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test @Order(1)
    void theInventoryListsTheDomainWithItsBackendAndTheMonitorSaysWhyItCannotTrace(LabDomain d) throws Exception {
        String vm = start(d);
        JsonNode row = null;
        JsonNode vms = null;
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (System.nanoTime() < deadline) {
            vms = client.get("/api/vms", viewer).json();
            for (JsonNode r : vms.path("rows")) if (r.path("backend").asText().equals("libvirt") && r.path("name").asText().equals(d.name())) row = r;
            JsonNode mon = vms.path("monitor").path(d.name());
            if (mon.path("detail").asText().contains("kernel_breakpoints")) break;
            Thread.sleep(500);
        }
        assertThat(row).as(String.valueOf(vms)).isNotNull();
        assertThat(row.path("state").asText()).isEqualTo("running");
        assertThat(row.path("uuid").asText()).matches("[0-9a-f-]{36}");
        assertThat(row.path("capabilities").asText()).contains("memory", "pause", "traffic_capture", "consistent_image")
                .doesNotContain("kernel_breakpoints");
        assertThat(vms.path("columns").findValuesAsText("name")).contains("backend", "state", "uuid", "capabilities");
        // monitor --trace on a domain without a gdbstub: it watches by polling and says exactly what is missing
        JsonNode mon = vms.path("monitor").path(d.name());
        assertThat(mon.path("state").asText()).as(mon.toString()).isEqualTo("attached");
        assertThat(mon.path("detail").asText()).contains("VM " + d.name() + " (backend libvirt) lacks capability kernel_breakpoints",
                "polling only");
        assertThat(client.get("/api/vms/" + vm, viewer).json().path("rows")).hasSize(1);
        try (VmHandle h = VmBackends.open(vm, Optional.empty())) {
            assertThatThrownBy(() -> h.debugger("test")).isInstanceOf(MissingCapabilityException.class)
                    .hasMessageContaining("lacks capability kernel_breakpoints");
        }
    }

    @Test @Order(2)
    void viewsAndAConsistentMemoryJobWorkOnTheDomain(LabDomain d) throws Exception {
        String vm = start(d);
        JsonNode ps = client.get("/api/vms/" + vm + "/linux/pslist", viewer).json();
        List<Integer> pids = new java.util.ArrayList<>();
        for (JsonNode r : ps.path("rows")) pids.add(r.path("pid").asInt());
        GroundTruth gt = d.groundTruth();
        // the guest's own list: its scenario processes (children of init) and first tasks live for the whole test
        List<Integer> longLived = gt.processes().stream().filter(p -> (p.ppid() == 1 && !p.args().equals("/bin/sleep 5")) || p.pid() <= 2)
                .map(GroundTruth.Process::pid).toList();
        assertThat(longLived).hasSizeGreaterThan(2);
        assertThat(pids).as(ps.toString()).containsAll(longLived);

        ApiClient.Answer a = client.call("POST", "/api/jobs/acquisitions", analyst,
                "{\"vm\":\"" + vm + "\",\"mode\":\"consistent\",\"format\":\"elf\"}");
        assertThat(a.status()).as(a.body()).isEqualTo(202);
        JsonNode job = awaitJob(a.json().path("id").asText());
        assertThat(job.path("state").asText()).as(job.toString()).isEqualTo("succeeded");
        assertThat(job.path("vm").asText()).isEqualTo(vm);
        Path image = Path.of(job.path("artifact").asText());
        assertThat(image).startsWith(home.resolve("evidence/sha256"));
        assertThat(FileHashes.sha256Hex(image)).isEqualTo(job.path("sha256").asText());
        assertThat(job.path("bytes").asLong()).isEqualTo(job.path("total").asLong()).isPositive();
        assertThat(Files.readString(io.chirp.evidence.EvidenceManifest.pathFor(image))).contains("libvirt");
        server.evidence().delete(job.path("artifact_id").asText(), io.chirp.evidence.store.Actor.cli(), "test: keep the disk");
    }

    @Test @Order(3)
    void aMigrationJobGivesAnImageOfOneInstantAndAnUnknownDomainIsRefusedUpFront(LabDomain d) throws Exception {
        String vm = start(d);
        ApiClient.Answer a = client.call("POST", "/api/jobs/acquisitions", analyst,
                "{\"vm\":\"" + vm + "\",\"mode\":\"migration\",\"format\":\"lime\"}");
        assertThat(a.status()).as(a.body()).isEqualTo(202);
        JsonNode job = awaitJob(a.json().path("id").asText());
        assertThat(job.path("state").asText()).as(job.toString()).isEqualTo("succeeded");
        assertThat(job.path("pause_us").asLong()).as(job.toString()).isPositive();
        Path image = Path.of(job.path("artifact").asText());
        assertThat(FileHashes.sha256Hex(image)).isEqualTo(job.path("sha256").asText());
        assertThat(Files.readString(io.chirp.evidence.EvidenceManifest.pathFor(image))).contains("libvirt/migration");
        server.evidence().delete(job.path("artifact_id").asText(), io.chirp.evidence.store.Actor.cli(), "test: keep the disk");
        ApiClient.Answer none = client.call("POST", "/api/jobs/acquisitions", analyst, "{\"vm\":\"libvirt:no-such-domain\"}");
        assertThat(none.status()).as(none.body()).isEqualTo(404);
    }

    @Test @Order(4)
    void aCaptureJobGoesThroughLibvirtsMonitorAndItsFlowsAreRead(LabDomain d) throws Exception {
        String vm = start(d);
        ApiClient.Answer cap = client.call("POST", "/api/jobs/captures", analyst,
                "{\"vm\":\"" + vm + "\",\"seconds\":3,\"netdev\":\"chirpnet0\"}");
        assertThat(cap.status()).as(cap.body()).isEqualTo(202);
        JsonNode c = awaitJob(cap.json().path("id").asText());
        assertThat(c.path("state").asText()).as(c.toString()).isEqualTo("succeeded");
        Path pcap = Path.of(c.path("artifact").asText());
        assertThat(FileHashes.sha256Hex(pcap)).isEqualTo(c.path("sha256").asText());
        assertThat(c.path("result").path("rows").get(0).path("netdev").asText()).isEqualTo("chirpnet0");
        JsonNode flows = client.get("/api/jobs/" + c.path("id").asText() + "/flows", viewer).json();
        assertThat(flows.path("table").asText()).as(flows.toString()).isEqualTo("flows");
        // the domain has several NICs: no direction, said so, but its sockets were read for attribution
        assertThat(flows.path("problems").toString()).contains("NICs: direction unknown").doesNotContain("no attribution");
    }

    private static JsonNode awaitJob(String id) throws InterruptedException { return client.awaitJob(id, viewer); }
}
