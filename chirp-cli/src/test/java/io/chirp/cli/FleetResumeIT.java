package io.chirp.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.chirp.fleet.TestBroker;
import io.chirp.fleet.Transfer;
import io.chirp.lab.LabGuest;
import io.chirp.lab.WithLabGuest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.BitSet;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A remote acquisition survives its server: {@code chirp serve --kafka} and a {@code chirp sensor} on a real lab
 * guest, each its own process, the sensor sending its artifact at a paced rate. The server is killed with SIGKILL
 * while the image's chunks are coming in (its journal then holds some of the chunks, not all) and restarted on the
 * same home. The same job (same id) takes up where it stopped, without sending the command again: the image lands
 * in the central store with the SHA-256 the sensor computed, byte for byte the sensor's copy, and the custody chain
 * holds, intact, the sensor's records, the resumption and the central collection.
 */
@WithLabGuest
class FleetResumeIT {
    private static final String PREFIX = "rit";

    @TempDir Path tmp;

    @Test void aRemoteAcquisitionFinishesVerifiedAfterTheServerIsKilledMidTransfer(LabGuest guest) throws Exception {
        List<ChirpProcess> all = new ArrayList<>();
        try (TestBroker broker = TestBroker.start(tmp.resolve("broker"))) {
            String kafka = broker.bootstrap();
            Path home = tmp.resolve("server-home");
            ChirpProcess server = new ChirpProcess(tmp, "server", List.of("-Dchirp.home=" + home), "serve", "--kafka", kafka,
                    "--kafka-topic-prefix", PREFIX, "--no-local-monitor", "--port", "0").start();
            all.add(server);
            ChirpProcess.Api api = ChirpProcess.Api.of(server.await("the server to listen",
                    s -> s.contains("listening on") && s.contains("first start")));
            server.args = List.of(ChirpProcess.withPort(server.args, api.port()));
            Path serverKey = home.resolve("server").resolve(io.chirp.fleet.CommandKeys.PUBLIC);

            Path sensorHome = tmp.resolve("sensor-home");
            ChirpProcess sensor = new ChirpProcess(tmp, "hv-1", List.of("-Dchirp.home=" + sensorHome), "sensor", "--kafka", kafka,
                    "--kafka-topic-prefix", PREFIX, "--id", "hv-1", "--spool", tmp.resolve("spool").toString(), "--heartbeat", "500ms",
                    "--vm", guest.name(), "--interval", "1s", "--integrity-every", "0", "--server-key", serverKey.toString(),
                    "--transfer-rate", "6M").start();
            all.add(sensor);
            api.await("/api/fleet", f -> f.toString().contains("\"LIVE\"") && f.toString().contains("hv-1"), Duration.ofSeconds(180));

            HttpResponse<String> started = api.call(HttpRequest.newBuilder(api.base().resolve("/api/jobs/acquisitions"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
                            "{\"vm\":\"" + guest.name() + "\",\"sensor\":\"hv-1\",\"mode\":\"live\",\"format\":\"elf\"}")));
            assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
            JsonNode job = ChirpProcess.JSON.readTree(started.body());
            String id = job.path("id").asText(), command = job.path("parameters").path("command").asText();

            // kill -9 once part of the image is on the server's disk, journaled
            Path journals = home.resolve("server").resolve("fleet-commands");
            Path journal = journals.resolve(command + ".json");
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(600);
            int had = 0;
            long total = -1;
            while (System.nanoTime() < end && had < 3) {
                if (Files.exists(journal)) {
                    JsonNode j = ChirpProcess.JSON.readTree(Files.readString(journal));
                    had = BitSet.valueOf(Base64.getDecoder().decode(j.path("chunks").asText())).cardinality();
                    total = j.path("total").asLong();
                }
                assertThat(api.get("/api/jobs/" + id).path("state").asText()).isEqualTo("running");
                Thread.sleep(100);
            }
            server.kill9();
            JsonNode atKill = ChirpProcess.JSON.readTree(Files.readString(journal));
            int chunksAtKill = BitSet.valueOf(Base64.getDecoder().decode(atKill.path("chunks").asText())).cardinality();
            total = atKill.path("total").asLong();
            assertThat(chunksAtKill).as("chunks on the server's disk at the kill").isGreaterThanOrEqualTo(3);
            assertThat((long) chunksAtKill * Transfer.CHUNK).as("killed mid-transfer").isLessThan(total);
            assertThat(atKill.path("job").path("id").asText()).isEqualTo(id);

            Thread.sleep(2_000);
            server.start();
            server.await("the job taken up", s -> s.contains("resuming command " + command));
            job = api.await("/api/jobs/" + id, j -> !j.path("state").asText().equals("running"), Duration.ofSeconds(600));
            assertThat(job.path("state").asText()).as(job.toString()).isEqualTo("succeeded");
            assertThat(job.path("parameters").path("command").asText()).isEqualTo(command);
            String sha = job.path("sha256").asText();
            assertThat(sha).matches("[0-9a-f]{64}");

            // the central copy, downloaded and hashed here, is the sensor's copy
            MessageDigest central = MessageDigest.getInstance("SHA-256");
            long size = 0;
            try (HttpClient c = HttpClient.newHttpClient()) {
                HttpResponse<InputStream> r = c.send(HttpRequest.newBuilder(api.base().resolve("/api/jobs/" + id + "/artifact"))
                        .header("Authorization", "Bearer " + api.token()).build(), HttpResponse.BodyHandlers.ofInputStream());
                assertThat(r.statusCode()).isEqualTo(200);
                try (InputStream in = r.body()) {
                    byte[] b = new byte[1 << 16];
                    for (int n; (n = in.read(b)) > 0; size += n) central.update(b, 0, n);
                }
            }
            assertThat(HexFormat.of().formatHex(central.digest())).isEqualTo(sha);
            assertThat(size).isEqualTo(total);
            Path local = sensorHome.resolve("sensor").resolve("hv-1").resolve("jobs").resolve(command).resolve(guest.name() + ".elf");
            assertThat(io.chirp.evidence.store.EvidenceStore.sha256(local)).isEqualTo(sha);
            assertThat(sensor.output()).as("the command was not sent again").doesNotContain("refused a command");

            // custody continuous: the sensor's records, the resumption, the central collection; the chain intact
            JsonNode custody = api.await("/api/custody", cu -> {
                int sensorRecords = 0;
                for (JsonNode r : cu.path("records")) {
                    if (r.path("actor").asText().equals("sensor:hv-1") && sha.equals(r.path("sha256").asText())) sensorRecords++;
                }
                return sensorRecords >= 2;
            }, Duration.ofSeconds(60));
            assertThat(custody.path("verification").asText()).containsIgnoringCase("intact");
            assertThat(custody.toString()).contains("sensor: accept command").contains("sensor: send to server").contains("resume remote job");
            List<String> accepted = new ArrayList<>();
            for (JsonNode r : custody.path("records")) {
                if (r.path("action").asText().equals("sensor: accept command")) accepted.add(r.path("artifact").asText());
            }
            assertThat(accepted).as("the sensor took the command once, imported once").containsExactly("command " + command);
            boolean collected = false;
            for (JsonNode r : custody.path("records")) collected |= r.path("action").asText().equals("collect") && sha.equals(r.path("sha256").asText());
            assertThat(collected).as("the central store collected the image").isTrue();
            try (var s = Files.list(journals)) {
                assertThat(s.toList()).as("nothing left in flight").isEmpty();
            }
        } finally {
            for (ChirpProcess p : all) p.stop();
        }
    }
}
