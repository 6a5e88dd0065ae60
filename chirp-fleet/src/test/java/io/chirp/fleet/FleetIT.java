package io.chirp.fleet;

import io.chirp.detect.Detector;
import io.chirp.events.store.EventStore;
import io.chirp.monitor.EventPipeline;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Sensor, real Kafka broker (a child process) and ingest in one test: everything produced is stored once and in
 * order, also when the broker is killed mid-stream and comes back; a sensor that stops is shown lost.
 */
class FleetIT {
    @TempDir static Path tmp;
    static TestBroker broker;

    @BeforeAll static void broker() throws Exception { broker = TestBroker.start(tmp.resolve("broker")); }

    @AfterAll static void stop() throws Exception { if (broker != null) broker.close(); }

    @Test void aBrokerOutageIsSpooledAndDrainedWithNothingLostOrTwice() throws Exception {
        FleetTopics topics = new FleetTopics(broker.bootstrap(), "it1", 3, (short) 1, new KafkaAuth.None());
        topics.ensure("hv-1", 30_000);
        Path db = tmp.resolve("it1.db");
        Path ledger = tmp.resolve("it1.ledger");
        Path recording = Recordings.write(tmp.resolve("rec.jsonl"));
        FleetView view = new FleetView(Duration.ofSeconds(3), Clock.systemUTC());
        List<String> alerts = new CopyOnWriteArrayList<>();
        try (EventStore store = EventStore.open(db);
             FleetIngest ingest = FleetIngest.start(topics, "it1-server", store, view, (r, e) -> {
                 if (r.kind() == FleetRecord.Kind.ALERT) alerts.add(e.uid());
             })) {
            Sensor sensor = Sensor.start(new Sensor.Options("hv-1", topics, tmp.resolve("spool1"), 64L << 20,
                    Duration.ofMillis(500), ledger));
            EventPipeline pipeline = new EventPipeline(List.of(), Detector.shipped(), a -> { }, sensor.observer());
            ReplaySource replay = new ReplaySource("hv-1", recording, List.of("vm-a", "vm-b"), 25, 600, pipeline,
                    sensor.listener(pipeline));
            Thread t = Thread.ofPlatform().start(replay);
            long live = System.currentTimeMillis() + 60_000;
            while (System.currentTimeMillis() < live
                    && view.hosts().stream().noneMatch(h -> h.status() == FleetView.Status.LIVE && h.vms().size() == 2)) {
                Thread.sleep(100);
            }
            assertThat(view.hosts()).singleElement().satisfies(h -> assertThat(h.status()).isEqualTo(FleetView.Status.LIVE));
            assertThat(t.isAlive()).as("the replay still runs when the broker goes").isTrue();
            broker.kill();
            long pendingBefore = sensor.spool().pendingRecords();
            Thread.sleep(8_000);
            assertThat(sensor.sender().state()).isEqualTo(SpoolSender.State.UNAVAILABLE);
            assertThat(sensor.spool().pendingRecords()).as("kept on disk while the broker is away").isGreaterThan(pendingBefore + 300);
            assertThat(view.hosts()).singleElement().satisfies(h -> {
                assertThat(h.status()).isEqualTo(FleetView.Status.LOST); // no heartbeat came through either
                assertThat(h.vms()).isNotEmpty().allSatisfy(v -> assertThat(v.state()).isEqualTo("unknown"));
            });
            broker.start();
            t.join(Duration.ofSeconds(60));
            assertThat(t.isAlive()).isFalse();
            long end = System.currentTimeMillis() + 60_000;
            while (sensor.spool().pendingRecords() > 0 && System.currentTimeMillis() < end) Thread.sleep(200);
            assertThat(sensor.spool().pendingRecords()).as("spool drained").isZero();
            assertThat(sensor.spool().dropped()).isEmpty();

            Map<String, List<String>> produced = FleetCheck.produced(List.of(ledger));
            FleetCheck.awaitStored(db, produced, 60_000);
            FleetCheck.assertExactlyOnceInOrder(produced, FleetCheck.stored(db));
            int perVm = 600 + 600 / Recordings.size(recording) * 2; // every recording pass raises 2 alerts per VM
            assertThat(produced.get("vm-a")).hasSizeGreaterThanOrEqualTo(perVm);
            assertThat(alerts).isNotEmpty().doesNotHaveDuplicates();
            Thread.sleep(1_500);
            assertThat(view.hosts()).singleElement().satisfies(h -> {
                assertThat(h.status()).isEqualTo(FleetView.Status.LIVE);
                assertThat(h.vms()).extracting(FleetView.Vm::name).contains("vm-a", "vm-b");
                assertThat(h.spool().path("dropped")).isEmpty();
            });
            sensor.close();
            Thread.sleep(4_500);
            assertThat(view.hosts()).singleElement().satisfies(h -> {
                assertThat(h.status()).isEqualTo(FleetView.Status.LOST);
                assertThat(h.vms()).allSatisfy(v -> assertThat(v.state()).isEqualTo("unknown"));
            });
        }
    }
}
