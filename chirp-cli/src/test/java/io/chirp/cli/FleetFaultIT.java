package io.chirp.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chirp.fleet.FleetCheck;
import io.chirp.fleet.Recordings;
import io.chirp.fleet.TestBroker;
import io.chirp.lab.LabGuest;
import io.chirp.lab.WithLabGuest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The fleet under faults, every part its own process: a real KRaft broker, {@code chirp serve --kafka}, and three
 * {@code chirp sensor}s - two replaying a recorded stream as two VMs each, one watching a real lab guest in which
 * processes come and go. A sensor is killed with SIGKILL mid-stream and restarted; the broker is killed for 30 s
 * while the sensors go on producing (they spool, say so, and drain after); the server is killed with SIGKILL and
 * restarted. Then, counted per VM from the sensors' ledgers against the server's store: produced = stored, none
 * lost, none twice, order kept. A sensor that stops is shown lost in the API within seconds, its VMs unknown.
 */
@WithLabGuest
class FleetFaultIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PREFIX = "fit";

    @TempDir Path tmp;

    @Test void threeSensorsABrokerAndAServerLoseNothingAndDuplicateNothingThroughKills(LabGuest guest) throws Exception {
        Path recording = Recordings.write(tmp.resolve("recording.jsonl"));
        List<ChirpProcess> all = new ArrayList<>();
        try (TestBroker broker = TestBroker.start(tmp.resolve("broker"))) {
            String kafka = broker.bootstrap();
            ChirpProcess server = new ChirpProcess(tmp, "server", List.of("-Dchirp.home=" + tmp.resolve("server-home")), "serve", "--kafka", kafka,
                    "--kafka-topic-prefix", PREFIX, "--no-local-monitor", "--port", "0", "--lost-after", "3s").start();
            all.add(server);
            String out = server.await("the server to listen", s -> s.contains("listening on") && s.contains("first start"));
            Matcher m = Pattern.compile("listening on (http://127\\.0\\.0\\.1:(\\d+))").matcher(out);
            assertThat(m.find()).isTrue();
            URI api = URI.create(m.group(1) + "/api/fleet");
            String port = m.group(2);
            Matcher t = Pattern.compile("stored only hashed:\\s+(\\S+)").matcher(out);
            assertThat(t.find()).as(out).isTrue();
            String token = t.group(1);

            List<Path> ledgers = new ArrayList<>();
            List<ChirpProcess> sensors = new ArrayList<>();
            for (int i = 1; i <= 2; i++) {
                Path ledger = tmp.resolve("hv-" + i + ".ledger");
                ledgers.add(ledger);
                sensors.add(new ChirpProcess(tmp, "hv-" + i, List.of(), "sensor", "--kafka", kafka, "--kafka-topic-prefix", PREFIX,
                        "--partitions", "4", "--id", "hv-" + i, "--spool", tmp.resolve("hv-" + i + "-spool").toString(),
                        "--heartbeat", "500ms", "--ledger", ledger.toString(), "--replay", recording.toString(),
                        "--replay-vm", "hv" + i + "-vm1", "--replay-vm", "hv" + i + "-vm2", "--replay-rate", "15",
                        "--replay-count", "1200").start());
            }
            Path realLedger = tmp.resolve("hv-3.ledger");
            ledgers.add(realLedger);
            sensors.add(new ChirpProcess(tmp, "hv-3", List.of(), "sensor", "--kafka", kafka, "--kafka-topic-prefix", PREFIX, "--id", "hv-3",
                    "--spool", tmp.resolve("hv-3-spool").toString(), "--heartbeat", "500ms", "--ledger", realLedger.toString(),
                    "--vm", guest.name(), "--interval", "1s", "--integrity-every", "0").start());
            all.addAll(sensors);
            // processes come and go in the real guest for the whole test
            guest.shell("(for i in $(seq 400); do sleep 1; /bin/true; done) >/dev/null 2>&1 &", Duration.ofSeconds(30));

            awaitFleet(api, token, f -> hostsLive(f) == 3, "three live hosts", Duration.ofSeconds(180));

            // 1. a sensor killed mid-stream, restarted on the same spool
            ChirpProcess hv1 = sensors.getFirst();
            Thread.sleep(5_000);
            hv1.kill9();
            Thread.sleep(2_000);
            hv1.start();

            // 2. the broker away for 30 s while every sensor goes on producing
            Thread.sleep(8_000);
            broker.kill();
            Thread.sleep(30_000);
            broker.start();

            // 3. the server killed mid-ingest and restarted on the same store
            sensors.get(1).await("hv-2 to drain its spool", s -> s.contains("spool drained"));
            server.kill9();
            Thread.sleep(3_000);
            server = new ChirpProcess(tmp, "server", server.jvm, replacePort(server.args, port)).start();
            all.set(0, server);
            server.await("the restarted server", s -> s.lastIndexOf("listening on") > s.indexOf("listening on"));

            // every replay done, every spool drained, everything stored
            Path db = tmp.resolve("server-home").resolve("events.db");
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(240);
            while (System.nanoTime() < end && !replaysFinished(api, token)) Thread.sleep(1_000);
            assertThat(replaysFinished(api, token)).as("both replays finished").isTrue();
            Thread.sleep(3_000); // the real guest's sensor's last records
            Map<String, List<String>> produced = FleetCheck.produced(ledgers);
            FleetCheck.awaitStored(db, produced, 120_000);
            Thread.sleep(2_000);
            produced = FleetCheck.produced(ledgers);
            FleetCheck.awaitStored(db, produced, 60_000);
            Map<String, List<String>> stored = FleetCheck.stored(db);

            assertThat(produced.keySet()).contains("hv1-vm1", "hv1-vm2", "hv2-vm1", "hv2-vm2", guest.name());
            assertThat(produced.get("hv1-vm1").size()).isGreaterThanOrEqualTo(1200);
            assertThat(produced.get(guest.name()).size()).as("the real guest's events").isGreaterThanOrEqualTo(5);
            FleetCheck.assertExactlyOnceInOrder(produced, stored);
            assertThat(FleetCheck.dropped(ledgers)).isZero();
            for (ChirpProcess s : sensors) {
                assertThat(s.output()).as(s.name).contains("unavailable").contains("spooling on disk");
            }
            assertThat(hv1.starts).isEqualTo(2);

            // 4. a host that stops is lost within seconds, its VMs unknown; the others stay live
            ChirpProcess hv2 = sensors.get(1);
            hv2.kill9();
            long killed = System.nanoTime();
            JsonNode f = awaitFleet(api, token, x -> status(x, "hv-2").equals("LOST"), "hv-2 lost", Duration.ofSeconds(30));
            assertThat(Duration.ofNanos(System.nanoTime() - killed)).isLessThan(Duration.ofSeconds(10));
            for (JsonNode h : f.path("hosts")) {
                if (h.path("sensor").asText().equals("hv-2")) {
                    assertThat(h.path("vms")).isNotEmpty().allSatisfy(v -> assertThat(v.path("state").asText()).isEqualTo("unknown"));
                } else {
                    assertThat(h.path("status").asText()).as(h.toString()).isEqualTo("LIVE");
                }
            }
            assertThat(f.path("counters").path("fleet_rejected").asLong()).isZero();
        } finally {
            for (ChirpProcess p : all) p.stop();
        }
    }

    private static String[] replacePort(List<String> args, String port) {
        List<String> a = new ArrayList<>(args);
        a.set(a.indexOf("--port") + 1, port);
        return a.toArray(String[]::new);
    }

    private static boolean replaysFinished(URI api, String token) throws Exception {
        JsonNode f = fleet(api, token);
        int finished = 0;
        for (JsonNode h : f.path("hosts")) {
            for (JsonNode v : h.path("vms")) if (v.path("detail").asText().equals("replay finished")) finished++;
        }
        return finished == 4;
    }

    private static int hostsLive(JsonNode f) {
        int n = 0;
        for (JsonNode h : f.path("hosts")) if (h.path("status").asText().equals("LIVE") && !h.path("vms").isEmpty()) n++;
        return n;
    }

    private static String status(JsonNode f, String sensor) {
        for (JsonNode h : f.path("hosts")) if (h.path("sensor").asText().equals(sensor)) return h.path("status").asText();
        return "";
    }

    private static JsonNode fleet(URI api, String token) throws Exception {
        try (HttpClient c = HttpClient.newHttpClient()) {
            HttpResponse<String> r = c.send(HttpRequest.newBuilder(api).header("Authorization", "Bearer " + token)
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) throw new IOException("GET /api/fleet: " + r.statusCode() + " " + r.body());
            return JSON.readTree(r.body());
        } catch (IOException e) {
            return JSON.createObjectNode(); // the server is restarting
        }
    }

    private static JsonNode awaitFleet(URI api, String token, Predicate<JsonNode> p, String what, Duration max) throws Exception {
        long end = System.nanoTime() + max.toNanos();
        JsonNode last = null;
        while (System.nanoTime() < end) {
            last = fleet(api, token);
            if (p.test(last)) return last;
            Thread.sleep(250);
        }
        throw new AssertionError("timed out waiting for " + what + "; fleet: " + last);
    }
}
