package io.chirp.fleet;

import io.chirp.detect.Detector;
import io.chirp.events.store.EventStore;
import io.chirp.monitor.EventPipeline;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The fleet through a broker that speaks only TLS, with a CA made in the test: the sensor connects with mutual TLS
 * (its CA-signed certificate is its identity), the server with SCRAM inside TLS (SASL_SSL), and everything the
 * sensor produced is stored once, in order. A sensor without a certificate, one that does not trust the fleet's CA
 * and one speaking plaintext get nothing in; they say the broker is unavailable and keep their records spooled.
 */
class FleetTlsIT {
    @TempDir Path tmp;

    @Test void mutualTlsAndSaslSslCarryTheFleetAndNothingElseGetsIn() throws Exception {
        TestCa ca = TestCa.create(tmp.resolve("ca"));
        TestCa stranger = TestCa.create(tmp.resolve("other-ca"));
        Map<String, String> users = Map.of("admin", "admin-secret-1", "chirp-serve", "server-pw-2");
        try (TestBroker broker = TestBroker.startTls(tmp.resolve("broker"), ca, users)) {
            FleetTopics admin = new FleetTopics(broker.bootstrap(), "tls", 2, (short) 1,
                    new KafkaAuth.Tls(null, ca.trustStore(), ca.keyStore("admin"), TestCa.PASSWORD));
            admin.ensure("hv-1", 30_000);
            FleetTopics asSensor = admin.withAuth(new KafkaAuth.Tls(null, ca.trustStore(), ca.keyStore("hv-1"), TestCa.PASSWORD));
            FleetTopics asServer = new FleetTopics(broker.saslSslBootstrap(), "tls", 2, (short) 1,
                    new KafkaAuth.Tls(new KafkaAuth.Scram("chirp-serve", users.get("chirp-serve")), ca.trustStore(), null, TestCa.PASSWORD));
            Map<String, FleetTopics> refused = Map.of(
                    "no certificate", admin.withAuth(new KafkaAuth.Tls(null, ca.trustStore(), null, TestCa.PASSWORD)),
                    "another CA", admin.withAuth(new KafkaAuth.Tls(null, stranger.trustStore(), stranger.keyStore("hv-1"), TestCa.PASSWORD)),
                    "plaintext", admin.withAuth(new KafkaAuth.None()));
            Path recording = Recordings.write(tmp.resolve("rec.jsonl"));
            Path db = tmp.resolve("events.db");
            Path ledger = tmp.resolve("hv-1.ledger");
            FleetView view = new FleetView(Duration.ofSeconds(5), Clock.systemUTC());
            try (EventStore store = EventStore.open(db);
                 FleetIngest ingest = FleetIngest.start(asServer, "tls-server", store, view, (r, e) -> { })) {
                Sensor good = Sensor.start(new Sensor.Options("hv-1", asSensor, tmp.resolve("s1"), 8L << 20, Duration.ofMillis(500), ledger));
                EventPipeline p = new EventPipeline(List.of(), Detector.shipped(), x -> { }, good.observer());
                new ReplaySource("hv-1", recording, List.of("hv-1-vm"), 100, 150, p, good.listener(p)).run();
                Map<String, List<String>> produced = FleetCheck.produced(List.of(ledger));
                FleetCheck.awaitStored(db, produced, 60_000);
                FleetCheck.assertExactlyOnceInOrder(produced, FleetCheck.stored(db));
                assertThat(produced.get("hv-1-vm")).hasSizeGreaterThanOrEqualTo(150);
                assertThat(ingest.counters().get("fleet_rejected")).isZero();

                int i = 0;
                for (Map.Entry<String, FleetTopics> bad : refused.entrySet()) {
                    String id = "hv-" + (7 + i++);
                    Sensor s = Sensor.start(new Sensor.Options(id, bad.getValue(), tmp.resolve("bad-" + i), 8L << 20,
                            Duration.ofMillis(500), tmp.resolve(id + ".ledger")));
                    EventPipeline bp = new EventPipeline(List.of(), Detector.shipped(), x -> { }, s.observer());
                    new ReplaySource(id, recording, List.of(id + "-vm"), 200, 20, bp, s.listener(bp)).run();
                    long end = System.currentTimeMillis() + 30_000;
                    while (s.sender().state() != SpoolSender.State.UNAVAILABLE && System.currentTimeMillis() < end) Thread.sleep(200);
                    assertThat(s.sender().state()).as(bad.getKey()).isEqualTo(SpoolSender.State.UNAVAILABLE);
                    assertThat(s.spool().pendingRecords()).as(bad.getKey() + ": kept, not sent").isPositive();
                    s.close();
                    assertThat(FleetCheck.stored(db)).as(bad.getKey()).doesNotContainKey(id + "-vm");
                }
                assertThat(view.hosts()).extracting(FleetView.Host::sensor).containsExactly("hv-1");
                good.close();
            }
        }
    }
}
