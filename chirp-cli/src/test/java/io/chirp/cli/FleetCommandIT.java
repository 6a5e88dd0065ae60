package io.chirp.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chirp.fleet.FleetCommand;
import io.chirp.fleet.TestBroker;
import io.chirp.lab.LabGuest;
import io.chirp.lab.WithLabGuest;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An analyst's memory acquisition of a remote sensor's VM, every part its own process: a real KRaft broker,
 * {@code chirp serve --kafka} and a {@code chirp sensor} watching a real lab guest, with the server's public key.
 * A command signed with another key is refused by the sensor; the acquisition asked for through the server's API
 * reaches the sensor over its command topic, shows progress in the server's job, and its image lands in the
 * central evidence store with the SHA-256 the sensor computed, byte for byte the sensor's own copy, with the
 * sensor's custody records in the central chain.
 */
@WithLabGuest
class FleetCommandIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PREFIX = "cit";

    @TempDir Path tmp;

    @Test void aMemoryAcquisitionOnARemoteSensorLandsVerifiedInTheCentralStore(LabGuest guest) throws Exception {
        List<Process> all = new ArrayList<>();
        try (TestBroker broker = TestBroker.start(tmp.resolve("broker"))) {
            String kafka = broker.bootstrap();
            Path serverHome = tmp.resolve("server-home");
            Process server = start(all, "server", List.of("-Dchirp.home=" + serverHome), "serve", "--kafka", kafka,
                    "--kafka-topic-prefix", PREFIX, "--no-local-monitor", "--port", "0");
            String out = await(server, "server", "the server to listen", s -> s.contains("listening on") && s.contains("first start"));
            Matcher m = Pattern.compile("listening on (http://127\\.0\\.0\\.1:\\d+)").matcher(out);
            assertThat(m.find()).isTrue();
            URI base = URI.create(m.group(1));
            Matcher t = Pattern.compile("stored only hashed:\\s+(\\S+)").matcher(out);
            assertThat(t.find()).as(out).isTrue();
            String token = t.group(1);
            Path serverKey = serverHome.resolve("server").resolve(io.chirp.fleet.CommandKeys.PUBLIC);
            assertThat(serverKey).exists();

            Path sensorHome = tmp.resolve("sensor-home");
            Process sensor = start(all, "hv-1", List.of("-Dchirp.home=" + sensorHome), "sensor", "--kafka", kafka,
                    "--kafka-topic-prefix", PREFIX, "--id", "hv-1", "--spool", tmp.resolve("spool").toString(), "--heartbeat", "500ms",
                    "--vm", guest.name(), "--interval", "1s", "--integrity-every", "0", "--server-key", serverKey.toString());
            awaitJson(base.resolve("/api/fleet"), token, f -> {
                for (JsonNode h : f.path("hosts")) if (h.path("sensor").asText().equals("hv-1") && h.path("status").asText().equals("LIVE")) return true;
                return false;
            }, Duration.ofSeconds(180));

            // a command signed with another key: refused, nothing acquired
            var forger = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
            long now = System.currentTimeMillis();
            FleetCommand forged = new FleetCommand("00112233445566778899aabbccddeeff", "hv-1", FleetCommand.Action.ACQUIRE_MEMORY,
                    guest.name(), Map.of("mode", "live", "format", "elf"), now, now + 600_000);
            Properties pp = new Properties();
            pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka);
            pp.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
            pp.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
            try (KafkaProducer<String, String> p = new KafkaProducer<>(pp)) {
                p.send(new ProducerRecord<>(PREFIX + ".commands.hv-1", forged.id(), forged.sign(forger.getPrivate()))).get(30, TimeUnit.SECONDS);
            }
            await(sensor, "hv-1", "the forged command's refusal", s -> s.contains("refused a command") && s.contains("not the server's"));

            // the analyst's acquisition through the server's API
            HttpResponse<String> started = http(HttpRequest.newBuilder(base.resolve("/api/jobs/acquisitions"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
                            "{\"vm\":\"" + guest.name() + "\",\"sensor\":\"hv-1\",\"mode\":\"live\",\"format\":\"elf\"}")), token);
            assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
            JsonNode job = JSON.readTree(started.body());
            String id = job.path("id").asText();
            String command = job.path("parameters").path("command").asText();
            assertThat(command).matches("[0-9a-f]{32}");
            boolean sawProgress = false;
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(600);
            while (System.nanoTime() < end) {
                job = JSON.readTree(http(HttpRequest.newBuilder(base.resolve("/api/jobs/" + id)), token).body());
                if (!job.path("state").asText().equals("running")) break;
                if (job.path("bytes").asLong() > 0 && job.path("total").asLong() > 0) sawProgress = true;
                Thread.sleep(200);
            }
            assertThat(job.path("state").asText()).as(job.toString()).isEqualTo("succeeded");
            assertThat(sawProgress).as("the sensor's progress showed in the server's job").isTrue();
            String sha = job.path("sha256").asText();
            assertThat(sha).matches("[0-9a-f]{64}");

            // the central copy: downloaded from the server, hashed here
            MessageDigest central = MessageDigest.getInstance("SHA-256");
            long size = 0;
            try (HttpClient c = HttpClient.newHttpClient()) {
                HttpResponse<InputStream> r = c.send(HttpRequest.newBuilder(base.resolve("/api/jobs/" + id + "/artifact"))
                        .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofInputStream());
                assertThat(r.statusCode()).isEqualTo(200);
                try (InputStream in = r.body()) {
                    byte[] b = new byte[1 << 16];
                    for (int n; (n = in.read(b)) > 0; size += n) central.update(b, 0, n);
                }
            }
            assertThat(HexFormat.of().formatHex(central.digest())).isEqualTo(sha);
            // the sensor's own copy, on its host: the same bytes
            Path local = sensorHome.resolve("sensor").resolve("hv-1").resolve("jobs").resolve(command).resolve(guest.name() + ".elf");
            assertThat(local).exists();
            assertThat(Files.size(local)).isEqualTo(size).isGreaterThan(16L << 20);
            assertThat(io.chirp.evidence.store.EvidenceStore.sha256(local)).isEqualTo(sha);

            // custody continuous across hosts: the sensor's records in the central chain, the chain intact
            JsonNode custody = awaitJson(base.resolve("/api/custody"), token, cu -> {
                int sensorRecords = 0;
                for (JsonNode r : cu.path("records")) {
                    if (r.path("actor").asText().equals("sensor:hv-1") && sha.equals(r.path("sha256").asText())) sensorRecords++;
                }
                return sensorRecords >= 2; // the acquisition on the sensor's host and its dispatch
            }, Duration.ofSeconds(60));
            assertThat(custody.path("verification").asText()).containsIgnoringCase("intact");
            assertThat(custody.toString()).contains("sensor: accept command").contains("sensor: refuse command")
                    .contains("sensor: send to server").contains("sensor_record=");
            boolean collected = false;
            for (JsonNode r : custody.path("records")) collected |= r.path("action").asText().equals("collect") && sha.equals(r.path("sha256").asText());
            assertThat(collected).as("the central store collected the image").isTrue();
        } finally {
            for (Process p : all) {
                p.destroy();
                if (!p.waitFor(40, TimeUnit.SECONDS)) p.destroyForcibly();
            }
        }
    }

    private Process start(List<Process> all, String name, List<String> jvm, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC", "-Xmx256m", "-XX:TieredStopAtLevel=1"));
        cmd.addAll(jvm);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve(name + ".log").toFile()).start();
        all.add(p);
        return p;
    }

    private String await(Process p, String name, String what, Predicate<String> ready) throws Exception {
        Path log = tmp.resolve(name + ".log");
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        String out = "";
        while (System.nanoTime() < end) {
            out = Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
            if (ready.test(out)) return out;
            if (!p.isAlive()) throw new AssertionError(name + " ended (exit " + p.exitValue() + "): " + out);
            Thread.sleep(250);
        }
        throw new AssertionError("timed out waiting for " + what + ": " + out);
    }

    private static HttpResponse<String> http(HttpRequest.Builder b, String token) throws Exception {
        try (HttpClient c = HttpClient.newHttpClient()) {
            return c.send(b.header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofString());
        }
    }

    private static JsonNode awaitJson(URI u, String token, Predicate<JsonNode> ok, Duration max) throws Exception {
        long end = System.nanoTime() + max.toNanos();
        JsonNode last = null;
        while (System.nanoTime() < end) {
            HttpResponse<String> r = http(HttpRequest.newBuilder(u), token);
            if (r.statusCode() == 200) {
                last = JSON.readTree(r.body());
                if (ok.test(last)) return last;
            }
            Thread.sleep(300);
        }
        throw new AssertionError("timed out waiting on " + u + ": " + last);
    }
}
