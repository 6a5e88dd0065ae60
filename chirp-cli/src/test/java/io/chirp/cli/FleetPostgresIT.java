package io.chirp.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.chirp.events.store.TestPostgres;
import io.chirp.fleet.FleetCheck;
import io.chirp.fleet.Recordings;
import io.chirp.fleet.TestBroker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code chirp serve --store postgresql://...} end to end, every part its own process: Debian's PostgreSQL server
 * (started by the test), a real KRaft broker, the server on that store and a {@code chirp sensor} replaying a
 * recorded stream as two VMs. The server is killed with SIGKILL mid-stream and restarted on the same database.
 * Then: what the sensor's ledger says it produced is in PostgreSQL's events table exactly once, per VM in the order
 * produced, and the API serves it from there (events and findings by VM, the timeline, the fleet page); no
 * embedded store was made beside it.
 */
class FleetPostgresIT {
    private static final String PREFIX = "pgit";
    private static final List<String> VMS = List.of("pg-vm1", "pg-vm2");

    @TempDir Path tmp;

    @Test void aFleetServedFromPostgresqlStoresEachEventOnceThroughAServerKill() throws Exception {
        Path recording = Recordings.write(tmp.resolve("recording.jsonl"));
        List<ChirpProcess> all = new ArrayList<>();
        try (TestPostgres pg = TestPostgres.start(); TestBroker broker = TestBroker.start(tmp.resolve("broker"))) {
            String db = pg.newDatabase();
            Path home = tmp.resolve("server-home");
            ChirpProcess server = new ChirpProcess(tmp, "server", List.of("-Dchirp.home=" + home), "serve", "--kafka", broker.bootstrap(),
                    "--kafka-topic-prefix", PREFIX, "--no-local-monitor", "--port", "0", "--lost-after", "3s", "--store", db).start();
            all.add(server);
            ChirpProcess.Api api = ChirpProcess.Api.of(server.await("the server to listen",
                    s -> s.contains("listening on") && s.contains("first start")));
            server.args = List.of(ChirpProcess.withPort(server.args, api.port()));

            Path ledger = tmp.resolve("hv-pg.ledger");
            List<String> sensorArgs = new ArrayList<>(List.of("sensor", "--kafka", broker.bootstrap(), "--kafka-topic-prefix", PREFIX,
                    "--id", "hv-pg", "--spool", tmp.resolve("spool").toString(), "--heartbeat", "500ms", "--ledger", ledger.toString(),
                    "--replay", recording.toString(), "--replay-rate", "20", "--replay-count", "800"));
            for (String vm : VMS) sensorArgs.addAll(List.of("--replay-vm", vm));
            ChirpProcess sensor = new ChirpProcess(tmp, "hv-pg", List.of(), sensorArgs.toArray(String[]::new)).start();
            all.add(sensor);

            api.await("/api/fleet", f -> live(f, "hv-pg") && f.toString().contains(VMS.get(1)), Duration.ofSeconds(180));
            JsonNode alerts = api.await("/api/alerts?vm=" + VMS.getFirst(), a -> a.size() > 0, Duration.ofSeconds(120));
            assertThat(alerts.findValuesAsText("id")).isNotEmpty();

            // the server killed mid-stream, restarted on the same database
            server.kill9();
            Thread.sleep(2_000);
            server.start();
            server.await("the restarted server", s -> s.lastIndexOf("listening on") > s.indexOf("listening on"));

            api.await("/api/fleet", FleetPostgresIT::replaysFinished, Duration.ofSeconds(300));
            String jdbc = "jdbc:" + db;
            Map<String, List<String>> produced = FleetCheck.produced(List.of(ledger));
            long end = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (System.nanoTime() < end && FleetCheck.total(FleetCheck.storedAt(jdbc)) < FleetCheck.total(produced)) Thread.sleep(250);
            Map<String, List<String>> stored = FleetCheck.storedAt(jdbc);
            assertThat(produced.keySet()).containsExactlyInAnyOrderElementsOf(VMS);
            assertThat(produced.get(VMS.getFirst())).hasSizeGreaterThanOrEqualTo(800);
            FleetCheck.assertExactlyOnceInOrder(produced, stored);
            assertThat(FleetCheck.dropped(List.of(ledger))).isZero();
            assertThat(home.resolve("events.db")).as("no embedded store beside PostgreSQL").doesNotExist();

            // the API answers from PostgreSQL: every event and finding of each VM, the timeline, the fleet
            Map<String, Set<String>> findings = findings(ledger);
            for (String vm : VMS) {
                JsonNode ev = api.get("/api/events?vm=" + vm + "&limit=10000");
                assertThat(new HashSet<>(ev.path("rows").findValuesAsText("uid"))).as(vm)
                        .isEqualTo(new HashSet<>(produced.get(vm)));
                JsonNode det = api.get("/api/events?vm=" + vm + "&class=detection&limit=10000");
                assertThat(findings.get(vm)).as("findings of %s in the ledger", vm).isNotEmpty();
                assertThat(new HashSet<>(det.path("rows").findValuesAsText("uid"))).as(vm).isEqualTo(findings.get(vm));
            }
            JsonNode tl = api.get("/api/timeline?vm=" + String.join(",", VMS) + "&limit=100000");
            assertThat(tl.path("rows").findValuesAsText("source")).contains("event", "alert");
            assertThat(tl.path("rows").findValuesAsText("vm")).containsAll(VMS);
            assertThat(tl.path("rows").findValuesAsText("time").stream().map(java.time.Instant::parse).toList()).isSorted();
            JsonNode f = api.get("/api/fleet");
            assertThat(live(f, "hv-pg")).as(f.toString()).isTrue();
            assertThat(f.path("counters").path("fleet_rejected").asLong()).isZero();
            assertThat(server.starts).isEqualTo(2);
            assertThat(Files.readString(server.log)).doesNotContain("Exception in thread");
        } finally {
            for (ChirpProcess p : all) p.stop();
        }
    }

    /** Per VM, the ids of the findings (alerts) the ledger lists as kept. */
    private static Map<String, Set<String>> findings(Path ledger) throws Exception {
        Map<String, Set<String>> out = new java.util.HashMap<>();
        for (String line : Files.readAllLines(ledger)) {
            String[] f = line.split(" ");
            if (f.length == 6 && f[0].equals("kept") && f[1].equals("alert")) out.computeIfAbsent(f[2], k -> new LinkedHashSet<>()).add(f[5]);
        }
        return out;
    }

    private static boolean live(JsonNode f, String sensor) {
        for (JsonNode h : f.path("hosts")) {
            if (h.path("sensor").asText().equals(sensor)) return h.path("status").asText().equals("LIVE");
        }
        return false;
    }

    private static boolean replaysFinished(JsonNode f) {
        int finished = 0;
        for (JsonNode h : f.path("hosts")) {
            for (JsonNode v : h.path("vms")) if (v.path("detail").asText().equals("replay finished")) finished++;
        }
        return finished == VMS.size();
    }
}
