package io.chirp.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chirp.evidence.EvidenceManifest;
import io.chirp.evidence.EvidenceWriter;
import io.chirp.evidence.store.Actor;
import io.chirp.hypervisor.Target;
import io.chirp.lab.FileHashes;
import io.chirp.lab.LabGuest;
import io.chirp.lab.WithLabGuest;
import io.chirp.linux.LinuxKernel;
import io.chirp.tables.DiskTables;
import io.chirp.tables.LinuxViews;
import io.chirp.tables.MemoryViews;
import io.chirp.tables.NetTables;
import io.chirp.tables.Rows;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code chirp serve} against a real lab guest, over real HTTP on loopback: the live stream carries the guest's
 * events and alerts, views equal the in-process ones, acquisitions run as jobs, and every operation of the
 * OpenAPI document answers each role as declared.
 */
@WithLabGuest
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ServerIT {
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static ChirpServer server;
    private static Path home;
    private static ApiClient client;
    private static String admin, analyst, viewer;
    private static String finishedJob, alertId, captureJob;

    private static synchronized void start(LabGuest g) throws Exception {
        if (server != null) return;
        home = Files.createTempDirectory("chirp-serve-it");
        server = ChirpServer.start(ServerConfig.defaults(home).withPort(0).withVms(List.of(g.name()))
                .withInterval(Duration.ofMillis(500)));
        client = new ApiClient(server.uri());
        admin = server.firstAdminToken();
        analyst = server.credentials().createToken("analyst", Role.ANALYST).secret();
        viewer = server.credentials().createToken("viewer", Role.VIEWER).secret();
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) server.close();
        if (home != null) {
            try (var files = Files.walk(home)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test @Order(1)
    void aProcessStartedInTheGuestAppearsOnTheStream(LabGuest g) throws Exception {
        start(g);
        try (SseReader sse = new SseReader(client, "/api/stream?topics=event&vm=" + g.name(), viewer)) {
            assertThat(sse.status).isEqualTo(200);
            sse.await(m -> m.data().contains("\"state\":\"attached\"") || m.data().contains("\"class_uid\":1007"), WAIT);
            long t0 = System.nanoTime();
            g.shell("(sleep 3021 &)", Duration.ofSeconds(60));
            SseReader.Message m = sse.await(x -> x.event().equals("event") && x.json().path("class_uid").asInt() == 1007
                    && x.json().at("/process/cmd_line").asText().equals("sleep 3021"), WAIT);
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("seen within seconds").isLessThan(Duration.ofSeconds(30));
            assertThat(m.json().at("/device/name").asText()).isEqualTo(g.name());
        }
    }

    @Test @Order(2)
    void aStagedDropperRaisesAnAlertOnTheStream(LabGuest g) throws Exception {
        start(g);
        try (SseReader sse = new SseReader(client, "/api/stream?topics=alert", viewer)) {
            // a dropper copied to /tmp and run from there (busybox picks its applet from argv[0]; it stays up for the polls)
            g.shell("cp /bin/busybox /tmp/srvdrop; (exec -a sleep /tmp/srvdrop 3022) </dev/null >/dev/null 2>&1 &",
                    Duration.ofSeconds(60));
            SseReader.Message m = sse.await(x -> x.event().equals("alert") && x.json().path("title").asText()
                    .contains("Temporary Folder"), WAIT);
            assertThat(m.json().path("vm").asText()).isEqualTo(g.name());
            assertThat(m.json().at("/finding/class_uid").asInt()).isEqualTo(2004);
            alertId = m.json().path("id").asText();
        }
        assertThat(client.get("/api/alerts?open=true", viewer).json().findValuesAsText("id")).contains(alertId);
        assertThat(client.call("POST", "/api/alerts/" + alertId + "/ack", viewer, "{}").status()).isEqualTo(403);
        JsonNode acked = client.call("POST", "/api/alerts/" + alertId + "/ack", analyst, "{\"note\":\"dropper, triaged\"}").json();
        assertThat(acked.path("acknowledged_by").asText()).isEqualTo("token:analyst");
        // the events behind it are in the store, queryable like chirp events
        JsonNode ev = client.get("/api/events?vm=" + g.name() + "&class=detection&limit=50", viewer).json();
        assertThat(ev.path("rows").findValuesAsText("summary")).anySatisfy(s -> assertThat(s).contains("Temporary Folder"));
    }

    @Test @Order(3)
    void pslistThroughTheApiEqualsTheInProcessView(LabGuest g) throws Exception {
        start(g);
        JsonNode before = client.get("/api/vms/" + g.name() + "/linux/pslist?fresh=true", viewer).json();
        Rows local;
        try (Target t = Target.vm(g.name())) {
            local = LinuxViews.pslist(LinuxKernel.attach(t.memory(), t.cpus()), false, null);
        }
        JsonNode after = client.get("/api/vms/" + g.name() + "/linux/pslist?fresh=true", viewer).json();
        JsonNode cached = client.get("/api/vms/" + g.name() + "/linux/pslist", viewer).json();
        assertThat(cached.path("rows")).as("within the cache's life the answer is reused").isEqualTo(after.path("rows"));
        assertThat(cached.path("age_ms").asLong()).isBetween(0L, ViewCache.TTL_MS);
        JsonNode mine = ApiClient.JSON.valueToTree(local.objects());
        assertThat(before.path("columns").findValuesAsText("name")).isEqualTo(local.names());
        assertThat(before.path("complete").asBoolean()).isTrue();
        // the scheduler state of a process can change between two reads; every other cell must be the same
        assertThat(List.of(withoutState(before.path("rows")), withoutState(after.path("rows")))).contains(withoutState(mine));
        assertThat(before.path("rows").get(0).path("pid").isInt()).as("numbers are JSON numbers").isTrue();
        assertThat(before.path("rows").get(0).path("task").asText()).startsWith("0x");
    }

    @Test @Order(4)
    void acquisitionJobsCompleteWithProgressAndTheirHashMatchesTheFile(LabGuest g) throws Exception {
        start(g);
        try (SseReader sse = new SseReader(client, "/api/stream?topics=job", viewer)) {
            for (String[] mf : List.of(new String[] {"live", "elf"}, new String[] {"consistent", "lime"},
                    new String[] {"migration", "elf"})) {
                ApiClient.Answer a = client.call("POST", "/api/jobs/acquisitions", analyst,
                        "{\"vm\":\"" + g.name() + "\",\"mode\":\"" + mf[0] + "\",\"format\":\"" + mf[1] + "\"}");
                assertThat(a.status()).as(a.body()).isEqualTo(202);
                String id = a.json().path("id").asText();
                JsonNode job = awaitJob(id);
                assertThat(job.path("state").asText()).as(job.toString()).isEqualTo("succeeded");
                assertThat(job.path("bytes").asLong()).isEqualTo(job.path("total").asLong()).isGreaterThan(g.memoryBytes() / 2);
                assertThat(job.path("rate_bytes_per_s").asDouble()).isPositive();
                Path image = Path.of(job.path("artifact").asText());
                assertThat(image).startsWith(home.resolve("evidence/sha256"));
                assertThat(image.getFileName().toString()).isEqualTo(job.path("sha256").asText());
                assertThat(server.evidence().require(job.path("artifact_id").asText()).actor()).isEqualTo("token:analyst");
                assertThat(FileHashes.sha256Hex(image)).isEqualTo(job.path("sha256").asText());
                assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(image))).isEqualTo("rw-------");
                assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(image.getParent()))).isEqualTo("rwx------");
                SseReader.Message last = sse.await(m -> m.json().path("id").asText().equals(id)
                        && m.json().path("state").asText().equals("succeeded"), WAIT);
                assertThat(last.json().path("sha256").asText()).isEqualTo(job.path("sha256").asText());
                assertThat(sse.messages).as("progress was pushed while running").anySatisfy(m -> {
                    assertThat(m.json().path("id").asText()).isEqualTo(id);
                    assertThat(m.json().path("state").asText()).isEqualTo("running");
                    assertThat(m.json().path("total").asLong()).isPositive();
                });
                finishedJob = id;
                server.evidence().delete(job.path("artifact_id").asText(), Actor.cli(), "test: 512 MiB each, keep the disk");
                assertThat(image).doesNotExist();
            }
        }
        assertThat(client.get("/api/jobs", viewer).json().findValuesAsText("state")).contains("succeeded");
    }

    @Test @Order(5)
    void cancelStopsARunningAcquisition(LabGuest g) throws Exception {
        start(g);
        ApiClient.Answer a = client.call("POST", "/api/jobs/acquisitions", analyst, "{\"vm\":\"" + g.name() + "\"}");
        String id = a.json().path("id").asText();
        ApiClient.Answer c = client.call("DELETE", "/api/jobs/" + id, analyst, null);
        assertThat(c.status()).isEqualTo(200);
        JsonNode job = awaitJob(id);
        assertThat(job.path("state").asText()).as(job.toString()).isEqualTo("cancelled");
        assertThat(job.path("artifact").isNull()).isTrue();
        try (var left = Files.list(home.resolve("evidence/incoming"))) {
            assertThat(left.toList()).as("no partial image is left").isEmpty();
        }
        assertThat(client.get("/api/vms/" + g.name() + "/registers", viewer).status()).as("the VM still answers").isEqualTo(200);
    }

    @Test @Order(55)
    void everyCollectionAndViewOfTheCliIsAJobOrARouteWithTheSameRows(LabGuest g) throws Exception {
        start(g);
        String vm = g.name();
        // translate and read: the same rows and bytes as in process
        JsonNode ps = client.get("/api/vms/" + vm + "/linux/pslist?pid=1", viewer).json();
        String task = ps.path("rows").get(0).path("task").asText();
        JsonNode tr = client.get("/api/vms/" + vm + "/translate?address=" + task + ",0x10", viewer).json();
        Rows localTr;
        MemoryViews.Read localRead;
        try (Target t = Target.vm(vm)) {
            localTr = MemoryViews.translate(MemoryViews.space(t, null), List.of(MemoryViews.parse(task), 0x10L));
            localRead = MemoryViews.read(t, null, 0x1000, 64);
        }
        assertThat(tr.path("rows").toString()).isEqualTo(ApiClient.JSON.valueToTree(localTr.objects()).toString());
        assertThat(tr.path("rows").get(0).path("physical").asText()).startsWith("0x");
        assertThat(tr.path("complete").asBoolean()).as("0x10 is not mapped: partial, and said so").isFalse();
        JsonNode mem = client.get("/api/vms/" + vm + "/memory?address=0x1000&length=64", viewer).json();
        assertThat(mem.path("hex").asText()).hasSize(128);
        assertThat(mem.path("complete").asBoolean()).isTrue();
        assertThat(client.get("/api/vms/" + vm + "/memory?address=0x1000&length=" + (2 << 20), viewer).status())
                .as("lengths are capped").isEqualTo(400);
        assertThat(client.get("/api/vms/" + vm + "/translate?address=0x1;rm", viewer).status()).isEqualTo(400);
        assertThat(localRead.data()).hasSize(64);

        // the disk: a listing, a file extracted as a job (its name made by the server), a body file
        g.shell("echo chirp-api-extract > /mnt/data/api-extract.txt; sync; echo ok", Duration.ofSeconds(120));
        JsonNode files = client.get("/api/vms/" + vm + "/disk/files?path=/", viewer).json();
        assertThat(files.path("columns").findValuesAsText("name")).containsExactlyElementsOf(DiskTables.FILES.names(false));
        assertThat(files.path("rows").findValuesAsText("path")).contains("/secret.txt", "/api-extract.txt");
        JsonNode x = awaitJob(client.call("POST", "/api/jobs/extractions", analyst,
                "{\"vm\":\"" + vm + "\",\"path\":\"/api-extract.txt\"}").json().path("id").asText());
        assertThat(x.path("state").asText()).as(x.toString()).isEqualTo("succeeded");
        Path extracted = Path.of(x.path("artifact").asText());
        // in the evidence store, at its content address
        assertThat(extracted).startsWith(home.resolve("evidence/sha256"));
        assertThat(extracted.getFileName().toString()).isEqualTo(x.path("sha256").asText());
        assertThat(server.evidence().require(x.path("artifact_id").asText()).sha256()).isEqualTo(x.path("sha256").asText());
        assertThat(Files.readString(extracted)).isEqualTo("chirp-api-extract\n");
        assertThat(FileHashes.sha256Hex(extracted)).isEqualTo(x.path("sha256").asText());
        assertThat(x.at("/result/rows/0/status").asText()).isEqualTo("complete");
        assertThat(client.call("POST", "/api/jobs/extractions", analyst, "{\"vm\":\"" + vm + "\",\"path\":\"../../etc/passwd\"}")
                .status()).as("a relative path is refused").isEqualTo(400);
        assertThat(client.call("POST", "/api/jobs/extractions", analyst, "{\"vm\":\"../x\",\"path\":\"/a\"}").status())
                .isEqualTo(400);
        JsonNode body = awaitJob(client.call("POST", "/api/jobs/disk-timelines", analyst, "{\"vm\":\"" + vm + "\"}")
                .json().path("id").asText());
        assertThat(body.path("state").asText()).as(body.toString()).isEqualTo("succeeded");
        assertThat(Files.readString(Path.of(body.path("artifact").asText()))).contains("|/api-extract.txt|");

        // a capture as a job, then its flows through the API, with the capture downloadable
        ApiClient.Answer cap = client.call("POST", "/api/jobs/captures", analyst, "{\"vm\":\"" + vm + "\",\"seconds\":15}");
        assertThat(cap.status()).as(cap.body()).isEqualTo(202);
        // traffic while it captures: UDP and TCP to port 9 of the user-mode network's gateway (restrict=on drops them
        // inside QEMU; the capture sees them leave the guest)
        g.shell("(i=0; while [ $i -lt 12 ]; do echo hi | nc -u -w1 10.0.2.2 9; nc -w1 10.0.2.2 9 </dev/null; i=$((i+1));"
                + " sleep 1; done) >/dev/null 2>&1 &", Duration.ofSeconds(60));
        JsonNode c = awaitJob(cap.json().path("id").asText());
        assertThat(c.path("state").asText()).as(c.toString()).isEqualTo("succeeded");
        captureJob = c.path("id").asText();
        Path pcap = Path.of(c.path("artifact").asText());
        assertThat(FileHashes.sha256Hex(pcap)).isEqualTo(c.path("sha256").asText());
        JsonNode flows = client.get("/api/jobs/" + captureJob + "/flows", viewer).json();
        assertThat(flows.path("columns").findValuesAsText("name")).containsExactlyElementsOf(NetTables.FLOWS.names(false));
        assertThat(flows.path("rows").findValuesAsText("server")).contains("10.0.2.2:9");
        HttpResponse<byte[]> dl = client.http.send(HttpRequest.newBuilder(client.base.resolve("/api/jobs/" + captureJob + "/artifact"))
                .header("Authorization", "Bearer " + viewer).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(dl.statusCode()).isEqualTo(200);
        assertThat(dl.body()).isEqualTo(Files.readAllBytes(pcap));

        // one timeline of the VM: the stream's events, the alert, and the capture's flows; as CSV and Timesketch JSONL
        JsonNode tl = client.get("/api/timeline?vm=" + vm + "&limit=100000", viewer).json();
        assertThat(tl.path("rows").findValuesAsText("source")).contains("event", "alert", "flow");
        assertThat(tl.path("rows").findValuesAsText("message")).anySatisfy(m -> assertThat(m).contains("sleep 3021"));
        List<String> tlTimes = tl.path("rows").findValuesAsText("time");
        assertThat(tlTimes.stream().map(java.time.Instant::parse).toList()).isSorted();
        String jsonl = client.get("/api/timeline?vm=" + vm + "&sources=flow&format=jsonl", viewer).body();
        assertThat(jsonl.lines().toList()).isNotEmpty().allSatisfy(l -> {
            JsonNode n = ApiClient.JSON.readTree(l);
            assertThat(n.path("timestamp_desc").asText()).isEqualTo("First Seen");
            assertThat(n.path("datetime").asText()).isNotEmpty();
            assertThat(n.path("message").asText()).matches("[a-z0-9]+ \\S+ -> \\S+ .*");
        });
        String csv = client.get("/api/timeline?vm=" + vm + "&sources=alert&format=csv", viewer).body();
        assertThat(csv.lines().findFirst().orElseThrow()).isEqualTo("time,vm,source,kind,timestamp_desc,message,severity,ref");
        assertThat(csv).contains("Temporary Folder");

        // the ISF export as a job: a file Volatility reads, with its manifest
        JsonNode isf = awaitJob(client.call("POST", "/api/jobs/isf-exports", analyst, "{\"vm\":\"" + vm + "\"}")
                .json().path("id").asText());
        assertThat(isf.path("state").asText()).as(isf.toString()).isEqualTo("succeeded");
        assertThat(isf.at("/result/symbols").asInt()).isGreaterThan(1000);
        JsonNode isfJson = ApiClient.JSON.readTree(Path.of(isf.path("artifact").asText()).toFile());
        assertThat(isfJson.path("metadata").path("format").asText()).isNotEmpty();
        assertThat(Files.exists(Path.of(isf.path("manifest").asText()))).isTrue();
        Files.delete(Path.of(isf.path("artifact").asText()));

        JsonNode audit = client.get("/api/audit?limit=100000", admin).json();
        assertThat(audit.path("records").findValuesAsText("action")).contains("extract file", "capture traffic (pcap)",
                "export ISF symbols", "write disk body file");
    }

    @Test @Order(60)
    void everyOperationAnswersEachRoleAsDeclared(LabGuest g) throws Exception {
        start(g);
        JsonNode doc = client.get("/api/openapi.json", viewer).json();
        Map<String, String> tokens = Map.of("viewer", viewer, "analyst", analyst, "admin", admin);
        List<String> roles = List.of("viewer", "analyst", "admin");
        int operations = 0;
        for (Iterator<Map.Entry<String, JsonNode>> paths = doc.path("paths").fields(); paths.hasNext(); ) {
            Map.Entry<String, JsonNode> p = paths.next();
            for (Iterator<Map.Entry<String, JsonNode>> ops = p.getValue().fields(); ops.hasNext(); ) {
                Map.Entry<String, JsonNode> o = ops.next();
                String method = o.getKey().toUpperCase();
                JsonNode op = o.getValue();
                String required = op.path("x-chirp-role").asText();
                // required query parameters get the example the document gives them
                StringBuilder query = new StringBuilder();
                for (JsonNode param : op.path("parameters")) {
                    if (param.path("in").asText().equals("query") && param.path("required").asBoolean()) {
                        assertThat(param.at("/schema/example").isTextual()).as("%s has an example", param).isTrue();
                        query.append(query.isEmpty() ? "?" : "&").append(param.path("name").asText()).append('=')
                                .append(param.at("/schema/example").asText());
                    }
                }
                int success = Integer.parseInt(op.path("responses").fieldNames().next());
                assertThat(success).as(op.path("operationId").asText()).isBetween(200, 299);
                operations++;
                assertThat(call(method, path(p.getKey(), g) + query, body(op, g), null)).as("%s without a token", op.path("operationId"))
                        .isEqualTo(401);
                for (String role : roles) {
                    boolean allowed = roles.indexOf(role) >= roles.indexOf(required);
                    int status = call(method, path(p.getKey(), g) + query, body(op, g), tokens.get(role));
                    assertThat(status).as("%s %s as %s", method, p.getKey(), role).isEqualTo(allowed ? success : 403);
                    // each job started is cancelled at once: the test is about who may start it
                    if (allowed && method.equals("POST") && p.getKey().startsWith("/api/jobs")) cancelRunningJobs();
                }
            }
        }
        assertThat(operations).isEqualTo(server.routes().size()).isGreaterThan(25);
        // the newer linux views are among them (ServerViewsIT holds their rows to a guest that stages their objects)
        assertThat(doc.path("paths").findValuesAsText("operationId")).contains("linuxPsscan", "linuxFiles", "linuxIfconfig",
                "linuxBpf", "linuxBpfMaps", "linuxCaps", "linuxHistory", "linuxKthreads", "linuxSockscan");
    }

    @Test @Order(70)
    void callsThatReadGuestDataOrChangeSomethingAreAudited(LabGuest g) throws Exception {
        start(g);
        client.get("/api/vms/" + g.name() + "/linux/lsmod", viewer);
        JsonNode audit = client.get("/api/audit?limit=100000", admin).json();
        assertThat(audit.path("verification").asText()).startsWith("Intact");
        List<JsonNode> records = new ArrayList<>();
        audit.path("records").forEach(records::add);
        assertThat(records).anySatisfy(r -> {
            assertThat(r.path("actor").asText()).isEqualTo("token:viewer");
            assertThat(r.path("action").asText()).isEqualTo("api GET /api/vms/{vm}/linux/lsmod");
            assertThat(r.path("artifact").asText()).isEqualTo("/api/vms/" + g.name() + "/linux/lsmod");
            assertThat(r.path("detail").asText()).contains("\"from\":\"127.0.0.1:").contains("\"status\":200");
        });
        assertThat(records).as("refused calls too").anySatisfy(r -> {
            assertThat(r.path("actor").asText()).isEqualTo("anonymous");
            assertThat(r.path("detail").asText()).contains("\"status\":401");
        });
        assertThat(server.evidence().custody()).as("each image with its hash, in the evidence store's chain").anySatisfy(r -> {
            assertThat(r.action()).isEqualTo("collect");
            assertThat(r.actor()).isEqualTo("token:analyst");
            assertThat(r.sha256()).hasSize(64);
            assertThat(r.artifact()).isEqualTo("sha256/" + r.sha256().substring(0, 2) + "/" + r.sha256());
            assertThat(r.detail()).contains("via=api", "from=127.0.0.1", "method=");
        });
        assertThat(server.evidence().verifyCustody().intact()).isTrue();
        assertThat(records).as("acknowledgements").anySatisfy(r ->
                assertThat(r.path("action").asText()).isEqualTo("api POST /api/alerts/{id}/ack"));
    }

    private static String path(String template, LabGuest g) {
        assertThat(finishedJob).as("an earlier test left a finished job").isNotNull();
        assertThat(alertId).as("an earlier test raised an alert").isNotNull();
        assertThat(captureJob).as("an earlier test left a finished capture").isNotNull();
        String id = template.endsWith("/flows") || template.endsWith("/artifact") ? captureJob
                : template.startsWith("/api/jobs") ? finishedJob : template.startsWith("/api/alerts") ? alertId
                : template.startsWith("/api/artifacts") ? doomedArtifact()
                : template.startsWith("/api/cases") ? server.evidence().cases().create("doomed", null, Actor.cli()).id()
                : template.startsWith("/api/tokens") ? server.credentials().createToken("doomed", Role.VIEWER).token().id()
                : template.startsWith("/api/rules/") ? doomedRule() : "x";
        return template.replace("{vm}", g.name()).replace("{id}", id);
    }

    private static String doomedArtifact() {
        return server.evidence().collect(Actor.cli(), null, folder -> {
            try (EvidenceWriter w = EvidenceWriter.create(folder.resolve("doomed.txt"))) {
                byte[] b = ("doomed " + System.nanoTime()).getBytes(java.nio.charset.StandardCharsets.UTF_8);
                w.write(b, 0, b.length);
                w.commit(new EvidenceWriter.Description("extracted-file", "FILE", new EvidenceManifest.Source("test", "test",
                        Map.of()), "copy", true, List.of(), Map.of()));
            }
        }).getFirst().id();
    }

    private static String doomedRule() {
        String id = "doomed-" + System.nanoTime();
        server.addRules("title: Doomed\nid: " + id + "\nlogsource:\n    category: process_creation\n    product: linux\n"
                + "detection:\n    selection:\n        Image: '/nonexistent/" + id + "'\n    condition: selection\n", "test");
        return id;
    }

    private static String body(JsonNode op, LabGuest g) {
        JsonNode ex = op.at("/requestBody/content/application~1json/example");
        if (ex.isMissingNode()) return null;
        ObjectNode b = ex.deepCopy();
        if (b.has("vm")) b.put("vm", g.name());
        if (b.has("name")) b.put("name", "n" + System.nanoTime());
        if (b.has("artifact")) b.put("artifact", doomedArtifact());
        if (b.has("alert")) b.put("alert", alertId);
        return b.toString();
    }

    private static int call(String method, String path, String body, String token) throws Exception {
        if (path.startsWith("/api/stream")) {
            HttpRequest.Builder b = HttpRequest.newBuilder(client.base.resolve(path));
            if (token != null) b.header("Authorization", "Bearer " + token);
            HttpResponse<java.io.InputStream> r = client.http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
            r.body().close();
            return r.statusCode();
        }
        return client.call(method, path, token, body).status();
    }

    private static void cancelRunningJobs() throws Exception {
        for (Jobs.View v : server.jobs().list()) {
            if (v.state() == Jobs.State.running) {
                server.jobs().cancel(v.id());
                assertThat(server.jobs().await(v.id(), Duration.ofSeconds(60))).isTrue();
            }
        }
    }

    private static JsonNode awaitJob(String id) throws InterruptedException { return client.awaitJob(id, viewer); }

    private static JsonNode withoutState(JsonNode rows) {
        JsonNode copy = rows.deepCopy();
        copy.forEach(r -> ((ObjectNode) r).remove("state"));
        return copy;
    }
}
