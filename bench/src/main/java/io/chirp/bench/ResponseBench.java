package io.chirp.bench;

import io.chirp.evidence.store.EvidenceStore;
import io.chirp.evidence.store.StoredArtifact;
import io.chirp.lab.LabGuest;
import io.chirp.server.ChirpServer;
import io.chirp.server.ServerConfig;
import io.chirp.server.response.ResponseRules;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Alert to evidence: seconds from a guest action (a staged implant started) to a verified memory image in the
 * evidence store, through the whole platform in one process: the monitor's poll sees the exec, the Sigma rule
 * fires, the response rule queues a migration-mode acquisition job, the image is committed, re-hashed on ingest,
 * moved to its content address, and hashed once more here against its address.
 */
final class ResponseBench {
    /**
     * One run.
     *
     * @param totalS  guest action to verified image
     * @param detectS guest action to the acquisition's start (poll, detection, queueing)
     * @param copyS   the acquisition itself (manifest's started to finished)
     * @param bytes   the image's size
     */
    record Row(double totalS, double detectS, double copyS, long bytes) {}

    private static final String RULE = "bench-implant-on-data-disk";

    private ResponseBench() {}

    static List<Row> run(int runs) throws Exception {
        Path home = Files.createTempDirectory("chirp-bench-response");
        try (LabGuest g = LabFixture.boot("512M");
             ChirpServer server = ChirpServer.start(ServerConfig.defaults(home).withPort(0).withVms(List.of(g.name()))
                     .withInterval(Duration.ofMillis(500)))) {
            addRule(server);
            server.responder().rules(ResponseRules.parse("""
                    responses:
                      - id: bench-memory
                        when: {rules: [%s]}
                        collect: {memory: migration}
                        limit: {per_vm: 100, window: 1s}
                    """.formatted(RULE), "bench"));
            g.shell("mkdir -p /mnt/data/stage && cp /bin/busybox /mnt/data/stage/implant && sync", Duration.ofSeconds(60));
            Thread.sleep(5_000); // the monitor attached and took its first snapshot
            List<Row> rows = new ArrayList<>();
            for (int i = 0; i < runs; i++) {
                int before = images(server).size();
                g.shell("(exec -a sleep /mnt/data/stage/implant " + (4000 + i) + ") </dev/null >/dev/null 2>&1 &", Duration.ofSeconds(60));
                long t0 = System.nanoTime();
                StoredArtifact a = await(() -> images(server).size() > before ? Optional.of(images(server).getLast()) : Optional.empty());
                if (!EvidenceStore.sha256(server.evidence().blob(a)).equals(a.sha256())) throw new IllegalStateException("hash mismatch");
                double total = (System.nanoTime() - t0) / 1e9;
                double copy = Duration.between(a.manifest().started(), a.manifest().finished()).toMillis() / 1000.0;
                rows.add(new Row(total, Math.max(0, total - copy - ingest(a)), copy, a.size()));
                server.evidence().delete(a.id(), io.chirp.evidence.store.Actor.cli(), "benchmark run over");
                g.shell("pkill -f 'sleep " + (4000 + i) + "'; true", Duration.ofSeconds(60));
                Thread.sleep(2_000);
            }
            return rows;
        } finally {
            try (var files = Files.walk(home)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** Seconds between the image's commit and its entry in the store (the ingest re-hash and move). */
    private static double ingest(StoredArtifact a) {
        return Math.max(0, Duration.between(a.manifest().finished(), a.collected()).toMillis() / 1000.0);
    }

    private static void addRule(ChirpServer server) throws Exception {
        // through the API, as an admin would: POST /api/rules
        var http = java.net.http.HttpClient.newHttpClient();
        String yaml = "title: Implant Run From The Data Disk\nid: " + RULE + "\nlogsource:\n    category: process_creation\n"
                + "    product: linux\ndetection:\n    selection:\n        Image|startswith: '/mnt/data/stage/'\n"
                + "    condition: selection\nlevel: high\n";
        String body = new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(java.util.Map.of("yaml", yaml));
        var r = http.send(java.net.http.HttpRequest.newBuilder(server.uri().resolve("/api/rules"))
                .header("Authorization", "Bearer " + server.firstAdminToken()).header("Content-Type", "application/json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 201) throw new IllegalStateException("adding the rule: " + r.statusCode() + " " + r.body());
    }

    private static List<StoredArtifact> images(ChirpServer s) {
        return s.evidence().list().stream().filter(a -> a.kind().equals("memory-image") && a.automatic()).toList();
    }

    private interface Probe {
        Optional<StoredArtifact> get() throws Exception;
    }

    private static StoredArtifact await(Probe p) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        while (System.nanoTime() < deadline) {
            Optional<StoredArtifact> v = p.get();
            if (v.isPresent()) return v.get();
            Thread.sleep(50);
        }
        throw new IllegalStateException("no memory image within 5 minutes");
    }
}
