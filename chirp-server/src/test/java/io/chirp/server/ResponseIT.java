package io.chirp.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.chirp.events.custody.CustodyRecord;
import io.chirp.evidence.bundle.BundleVerifier;
import io.chirp.evidence.store.EvidenceStore;
import io.chirp.evidence.store.StoredArtifact;
import io.chirp.lab.LabGuest;
import io.chirp.lab.WithLabGuest;
import io.chirp.server.response.ResponseRules;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Automatic response end to end: {@code chirp serve} in process watches a real lab guest; a staged attack in the
 * guest (an implant copied to the data disk and run from there) fires a Sigma rule, and the response rule collects
 * a migration-mode memory image, seconds of traffic, the implant's memory maps, its executable from the live
 * disk and a point-in-time image of that disk, into the store, linked to the alert and its case, with automatic custody records. The case's bundle verifies
 * offline; the implant's bytes changed in the bundle make verification fail naming that file.
 */
@WithLabGuest
class ResponseIT {
    private static final Duration WAIT = Duration.ofMinutes(5);
    private static final String RULE = "store-it-implant-on-data-disk";
    private static ChirpServer server;
    private static Path home;

    @AfterAll
    static void stop() throws Exception {
        if (server != null) server.close();
        if (home != null) {
            try (var files = Files.walk(home)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    void aStagedAttackIsAnsweredWithVerifiedEvidenceInItsCase(LabGuest g) throws Exception {
        home = Files.createTempDirectory("chirp-response-it");
        server = ChirpServer.start(ServerConfig.defaults(home).withPort(0).withVms(List.of(g.name()))
                .withInterval(Duration.ofMillis(500)));
        ApiClient client = new ApiClient(server.uri());
        String admin = server.firstAdminToken();
        server.addRules("title: Implant Run From The Data Disk\nid: " + RULE + "\nlogsource:\n    category: process_creation\n"
                + "    product: linux\ndetection:\n    selection:\n        Image|startswith: '/mnt/data/stage/'\n"
                + "    condition: selection\nlevel: high\ntags:\n    - attack.execution\n", "test");
        server.responder().rules(ResponseRules.parse("""
                responses:
                  - id: implant-collect
                    when: {rules: [%s], level: high, vms: ["%s"]}
                    collect: {memory: migration, capture: 5s, maps: true, executable: true, disk: raw}
                    limit: {per_vm: 1, window: 10m}
                """.formatted(RULE, g.name()), "test"));
        // the monitor has attached before the attack, so the exec is seen as new
        awaitTrue(() -> client.get("/api/vms/" + g.name(), admin).body().contains("attached"), "the monitor attached");

        String guestSha = g.shell("mkdir -p /mnt/data/stage && cp /bin/busybox /mnt/data/stage/implant && sync && "
                + "sha256sum /mnt/data/stage/implant", Duration.ofSeconds(60)).strip().split("\\s+")[0];
        // the implant, and its beacon to the host side of the user-mode network (10.0.2.2 stays on this host)
        g.shell("(exec -a sleep /mnt/data/stage/implant 3033) </dev/null >/dev/null 2>&1 & "
                + "(for i in $(seq 60); do ping -c 1 -W 1 10.0.2.2; sleep 0.5; done) </dev/null >/dev/null 2>&1 &", Duration.ofSeconds(60));
        long t0 = System.nanoTime();

        Alerts.View alert = awaitValue(() -> server.alerts().list(g.name(), false, 100).stream()
                .filter(a -> a.rule_id().equals(RULE)).findFirst(), "the rule fired");
        StoredArtifact image = awaitValue(() -> server.evidence().listAlert(alert.id()).stream()
                .filter(a -> a.kind().equals("memory-image")).findFirst(), "a memory image in the store");
        boolean imageIntact = EvidenceStore.sha256(server.evidence().blob(image)).equals(image.sha256());
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertThat(imageIntact).isTrue();
        System.out.printf("response: guest action to verified memory image in the store: %.1f s%n", seconds);

        Responder.Outcome outcome = awaitValue(() -> server.responder().outcomes().stream()
                .filter(o -> o.alert().equals(alert.id()) && !o.state().equals("running")).findFirst(), "the response finished");
        assertThat(outcome.notes()).as("every step succeeded").isEmpty();
        assertThat(outcome.state()).isEqualTo("done");
        List<StoredArtifact> got = server.evidence().listAlert(alert.id());
        assertThat(got).extracting(StoredArtifact::id).containsExactlyInAnyOrderElementsOf(outcome.artifacts());
        Map<String, StoredArtifact> byKind = got.stream().collect(Collectors.toMap(StoredArtifact::kind, a -> a));
        assertThat(byKind).containsOnlyKeys("memory-image", "network-capture", "process-maps", "extracted-file", "disk-image");
        for (StoredArtifact a : got) {
            assertThat(EvidenceStore.sha256(server.evidence().blob(a))).as(a.kind() + " hash").isEqualTo(a.sha256());
            assertThat(a.automatic()).isTrue();
            assertThat(a.alertId()).isEqualTo(alert.id());
            assertThat(a.caseId()).isEqualTo(outcome.caseId());
            assertThat(a.complete()).as(a.kind() + " complete").isTrue();
            List<CustodyRecord> recs = server.evidence().custody().stream()
                    .filter(r -> r.detail() != null && r.detail().contains("artifact=" + a.id() + ";")).toList();
            assertThat(recs).as(a.kind() + " custody").anySatisfy(r -> {
                assertThat(r.action()).isEqualTo("collect");
                assertThat(r.actor()).isEqualTo("chirp-response");
                assertThat(r.sha256()).isEqualTo(a.sha256());
                assertThat(r.detail()).contains("via=response", "automatic=true", "alert=" + alert.id(), "rule=implant-collect",
                        "case=" + outcome.caseId());
            });
        }
        assertThat(image.manifest().method()).isEqualTo("migration");
        assertThat(((Number) byKind.get("network-capture").manifest().details().get("packets")).longValue())
                .as("the beacon's packets").isPositive();
        assertThat(image.size()).isGreaterThan(g.memoryBytes() / 2);
        assertThat(byKind.get("extracted-file").sha256()).as("the implant, as the guest hashes it").isEqualTo(guestSha);
        // the implant's disk was chosen by the guest's own mount device, and the disk image is of one point in time
        assertThat(byKind.get("extracted-file").manifest().source().identity().get("disk_choice"))
                .startsWith("named by the guest's mount device /dev/");
        assertThat(byKind.get("disk-image").manifest().source().identity()).containsKey("point_in_time");
        assertThat(byKind.get("disk-image").size()).isPositive();
        JsonNode maps = ApiClient.JSON.readTree(server.evidence().blob(byKind.get("process-maps")).toFile());
        assertThat(maps.path("rows").findValuesAsText("path")).as("the implant's own mapping")
                .anySatisfy(p -> assertThat(p).isEqualTo("/mnt/data/stage/implant"));
        assertThat(server.evidence().verifyCustody().intact()).isTrue();

        // the case holds the VM and the alert
        JsonNode c = client.get("/api/cases/" + outcome.caseId(), admin).json();
        assertThat(c.path("vms").get(0).asText()).isEqualTo(g.name());
        assertThat(c.path("alerts").findValuesAsText("id")).contains(alert.id());
        assertThat(c.path("artifacts").size()).isEqualTo(5);
        // the case's timeline: the alert, the VM's events and every artifact of the case, on one axis, in time order
        JsonNode tl = client.get("/api/cases/" + outcome.caseId() + "/timeline?limit=100000", admin).json();
        assertThat(tl.path("rows").findValuesAsText("source")).contains("event", "alert", "artifact");
        List<String> refs = new java.util.ArrayList<>();
        for (JsonNode row : tl.path("rows")) if (row.path("source").asText().equals("artifact")) refs.add(row.path("ref").asText());
        assertThat(refs).containsExactlyInAnyOrderElementsOf(outcome.artifacts());
        assertThat(tl.path("rows").findValuesAsText("time").stream().map(java.time.Instant::parse).toList()).isSorted();

        // the same implant again within the window: no second collection
        g.shell("(exec -a sleep /mnt/data/stage/implant 3034) </dev/null >/dev/null 2>&1 &", Duration.ofSeconds(60));
        awaitTrue(() -> server.responder().counters().get("rate_limited") + server.responder().counters().get("duplicates") > 0,
                "a second alert is rate-limited");
        assertThat(server.responder().counters().get("fired")).isEqualTo(1);

        // the bundle, through the API, verifies offline; one changed byte of the implant is named
        Path bundle = home.resolve("case.zip");
        HttpResponse<Path> r = client.http.send(HttpRequest.newBuilder(client.base.resolve("/api/cases/" + outcome.caseId()
                + "/bundle")).header("Authorization", "Bearer " + admin).timeout(Duration.ofMinutes(5)).build(),
                HttpResponse.BodyHandlers.ofFile(bundle));
        assertThat(r.statusCode()).isEqualTo(200);
        BundleVerifier.Report ok = BundleVerifier.verify(bundle);
        assertThat(ok.problems()).isEmpty();
        assertThat(ok.artifacts()).isEqualTo(5);
        StoredArtifact exe = byKind.get("extracted-file");
        String exeEntry = "artifacts/" + exe.id() + "/";
        Path tampered = home.resolve("tampered.zip");
        String changed = flipOneByte(bundle, tampered, exeEntry);
        BundleVerifier.Report bad = BundleVerifier.verify(tampered);
        assertThat(bad.problems()).singleElement().satisfies(p -> {
            assertThat(p.kind()).isEqualTo(BundleVerifier.Kind.TAMPERED_FILE);
            assertThat(p.where()).isEqualTo(changed);
        });
        Files.delete(bundle);
        Files.delete(tampered);
    }

    /** Copies a zip, streaming, with one byte of the first entry under {@code prefix} (not a manifest) flipped. */
    private static String flipOneByte(Path in, Path out, String prefix) throws Exception {
        String changed = null;
        try (ZipInputStream zin = new ZipInputStream(Files.newInputStream(in));
             ZipOutputStream zout = new ZipOutputStream(Files.newOutputStream(out))) {
            zout.setLevel(1);
            byte[] buf = new byte[1 << 20];
            for (ZipEntry e; (e = zin.getNextEntry()) != null; ) {
                zout.putNextEntry(new ZipEntry(e.getName()));
                boolean flip = changed == null && e.getName().startsWith(prefix) && !e.getName().endsWith(".manifest.json");
                if (flip) changed = e.getName();
                boolean first = true;
                for (int n; (n = zin.read(buf)) > 0; ) {
                    if (flip && first) buf[n / 2] ^= 1;
                    first = false;
                    zout.write(buf, 0, n);
                }
                zout.closeEntry();
            }
        }
        assertThat(changed).isNotNull();
        return changed;
    }

    @FunctionalInterface
    interface Check {
        boolean ok() throws Exception;
    }

    private static void awaitTrue(Check c, String what) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            if (c.ok()) return;
            Thread.sleep(200);
        }
        throw new AssertionError("timed out waiting: " + what);
    }

    @FunctionalInterface
    interface Probe<T> {
        Optional<T> get() throws Exception;
    }

    private static <T> T awaitValue(Probe<T> p, String what) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            Optional<T> v = p.get();
            if (v.isPresent()) return v.get();
            Thread.sleep(100);
        }
        throw new AssertionError("timed out waiting: " + what);
    }
}
