package io.chirp.fleet;

import io.chirp.detect.Detector;
import io.chirp.monitor.EventPipeline;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Sigma at the sensor and Sigma centrally give the same alerts: a sensor runs the shipped rules on a replayed stream
 * and publishes its events and alerts; two members of a central detection group run the same rules on the events
 * they read from the sensor's topic. The central findings are exactly the sensor's alerts, id for id (an alert's id
 * is its rule and its triggering event), and the two members shared the work without evaluating an event twice.
 */
class FleetDetectIT {
    @TempDir Path tmp;

    @Test void centralDetectionRaisesExactlyTheSensorsAlerts() throws Exception {
        try (TestBroker broker = TestBroker.start(tmp.resolve("broker"))) {
            FleetTopics topics = new FleetTopics(broker.bootstrap(), "det", 4, (short) 1, new KafkaAuth.None());
            topics.ensure("hv-1", 30_000);
            Path ledger = tmp.resolve("hv-1.ledger");
            Set<String> central = ConcurrentHashMap.newKeySet();
            List<String> twice = new java.util.concurrent.CopyOnWriteArrayList<>();
            Detector rules = Detector.shipped();
            try (FleetDetect a = FleetDetect.start(topics, "det-detect", rules, found -> found.forEach(f -> {
                     if (!central.add(f.finding().uid())) twice.add(f.finding().uid());
                 }), "det-a");
                 FleetDetect b = FleetDetect.start(topics, "det-detect", rules, found -> found.forEach(f -> {
                     if (!central.add(f.finding().uid())) twice.add(f.finding().uid());
                 }), "det-b")) {
                Sensor s = Sensor.start(new Sensor.Options("hv-1", topics, tmp.resolve("spool"), 64L << 20, Duration.ofMillis(500), ledger));
                EventPipeline p = new EventPipeline(List.of(), rules, x -> { }, s.observer());
                new ReplaySource("hv-1", Recordings.write(tmp.resolve("rec.jsonl")), List.of("vm-a", "vm-b", "vm-c", "vm-d"), 200, 200, p,
                        s.listener(p)).run();
                long end = System.currentTimeMillis() + 60_000;
                while (s.spool().pendingRecords() > 0 && System.currentTimeMillis() < end) Thread.sleep(200);
                s.close();
                Set<String> atSensor = new TreeSet<>();
                for (String line : Files.readAllLines(ledger)) if (line.startsWith("kept alert ")) atSensor.add(line.split(" ")[5]);
                assertThat(atSensor).hasSizeGreaterThanOrEqualTo(8);
                long until = System.currentTimeMillis() + 60_000;
                while (central.size() < atSensor.size() && System.currentTimeMillis() < until) Thread.sleep(200);
                Thread.sleep(1_000);
                assertThat(new TreeSet<>(central)).as("the central findings are the sensor's alerts").isEqualTo(atSensor);
                assertThat(twice).as("no event evaluated twice by the group").isEmpty();
                assertThat(a.events() + b.events()).isEqualTo(FleetCheck.total(FleetCheck.produced(List.of(ledger))) - atSensor.size());
            }
        }
    }
}
