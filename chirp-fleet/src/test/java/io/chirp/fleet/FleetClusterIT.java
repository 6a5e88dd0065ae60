package io.chirp.fleet;

import io.chirp.detect.Detector;
import io.chirp.events.store.EventStore;
import io.chirp.monitor.EventPipeline;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Replication: a 3-broker KRaft cluster (each node broker and controller, its own JVM), topics with 3 replicas and
 * min.insync.replicas 2. While three sensors produce, one broker is killed (SIGKILL, no controlled shutdown) for
 * 30 s and started again: the other two carry on, and counted per VM from the sensors' ledgers against the store,
 * produced = stored, 0 lost, 0 duplicated, order kept.
 */
class FleetClusterIT {
    @TempDir Path tmp;

    @Test void oneBrokerOfThreeAwayFor30sLosesAndDuplicatesNothing() throws Exception {
        List<TestBroker> nodes = TestBroker.startCluster(tmp.resolve("cluster"), 3);
        try {
            String bootstrap = String.join(",", nodes.stream().map(TestBroker::bootstrap).toList());
            FleetTopics topics = new FleetTopics(bootstrap, "rep", 3, (short) 3, new KafkaAuth.None());
            Path recording = Recordings.write(tmp.resolve("rec.jsonl"));
            Path db = tmp.resolve("events.db");
            List<Path> ledgers = new ArrayList<>();
            List<Sensor> sensors = new ArrayList<>();
            List<Thread> replays = new ArrayList<>();
            FleetView view = new FleetView(Duration.ofSeconds(5), Clock.systemUTC());
            try (EventStore store = EventStore.open(db);
                 FleetIngest ingest = FleetIngest.start(topics, "rep-server", store, view, (r, e) -> { })) {
                for (int i = 1; i <= 3; i++) {
                    String id = "hv-" + i;
                    topics.ensure(id, 60_000);
                    Path ledger = tmp.resolve(id + ".ledger");
                    ledgers.add(ledger);
                    Sensor s = Sensor.start(new Sensor.Options(id, topics, tmp.resolve("spool-" + i), 64L << 20, Duration.ofMillis(500), ledger));
                    sensors.add(s);
                    EventPipeline p = new EventPipeline(List.of(), Detector.shipped(), x -> { }, s.observer());
                    replays.add(Thread.ofPlatform().start(new ReplaySource(id, recording, List.of(id + "-vm1", id + "-vm2"), 20, 1_000,
                            p, s.listener(p))));
                }
                Thread.sleep(8_000);
                TestBroker victim = nodes.get(1);
                victim.kill();
                Thread.sleep(30_000);
                for (Thread t : replays) assertThat(t.isAlive()).as("the sensors still produce when the broker returns").isTrue();
                victim.start();
                for (Thread t : replays) t.join(Duration.ofSeconds(120));
                for (Sensor s : sensors) {
                    long end = System.currentTimeMillis() + 120_000;
                    while (s.spool().pendingRecords() > 0 && System.currentTimeMillis() < end) Thread.sleep(200);
                    assertThat(s.spool().pendingRecords()).as("spool drained").isZero();
                    assertThat(s.spool().dropped()).isEmpty();
                }
                Map<String, List<String>> produced = FleetCheck.produced(ledgers);
                FleetCheck.awaitStored(db, produced, 120_000);
                FleetCheck.assertExactlyOnceInOrder(produced, FleetCheck.stored(db));
                assertThat(produced).hasSize(6).allSatisfy((vm, ids) -> assertThat(ids).hasSizeGreaterThanOrEqualTo(1_000));
                assertThat(ingest.counters().get("fleet_gaps")).isZero();
                for (Sensor s : sensors) s.close();
            }
        } finally {
            for (TestBroker b : nodes) b.close();
        }
    }
}
