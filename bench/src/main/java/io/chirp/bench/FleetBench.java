package io.chirp.bench;

import io.chirp.cli.Main;
import io.chirp.events.store.EventStore;
import io.chirp.fleet.FleetCheck;
import io.chirp.fleet.FleetIngest;
import io.chirp.fleet.FleetRecord;
import io.chirp.fleet.FleetTopics;
import io.chirp.fleet.FleetView;
import io.chirp.fleet.KafkaAuth;
import io.chirp.fleet.Recordings;
import io.chirp.fleet.TestBroker;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

/**
 * A simulated fleet: sensor processes ({@code chirp sensor --replay}, each VM a replayed stream through the real
 * pipeline, Sigma and producer), one real broker (a child JVM), and the server's ingest into the store in this
 * JVM. Per fleet size: end-to-end events per second, latency from the sensor's event (and alert) to the central
 * store, sensor CPU and peak RSS, and the ingest's CPU per thousand events.
 */
final class FleetBench {
    /** One fleet size's results. */
    record Row(int sensors, int vms, long events, double seconds, double eventsPerSecond, double eventP50, double eventP99,
               double alertP50, double alertP99, double sensorCpuPerKiloEvent, double sensorCpuPerVmPercent,
               long sensorPeakRssMiB, double ingestCpuMsPerKiloEvent) {}

    private FleetBench() {}

    static List<Row> run(int sensors, List<Integer> vmsPerSensor, int seconds, double ratePerVm) throws Exception {
        Path dir = Files.createTempDirectory("chirp-bench-fleet");
        List<Row> rows = new ArrayList<>();
        try (TestBroker broker = TestBroker.start(dir.resolve("broker"))) {
            Path recording = Recordings.write(dir.resolve("recording.jsonl"));
            int n = 0;
            for (int perSensor : vmsPerSensor) rows.add(one(broker, dir.resolve("run" + n++), recording, sensors, perSensor, seconds, ratePerVm));
        }
        return rows;
    }

    private static Row one(TestBroker broker, Path dir, Path recording, int sensors, int perSensor, int seconds, double rate)
            throws Exception {
        Files.createDirectories(dir);
        FleetTopics topics = new FleetTopics(broker.bootstrap(), "bench" + perSensor, 6, (short) 1, new KafkaAuth.None());
        ConcurrentLinkedQueue<Long> eventLatency = new ConcurrentLinkedQueue<>(), alertLatency = new ConcurrentLinkedQueue<>();
        Path db = dir.resolve("events.db");
        try (EventStore store = EventStore.open(db);
             FleetIngest ingest = FleetIngest.start(topics, "bench", store, new FleetView(Duration.ofSeconds(5), Clock.systemUTC()),
                     (r, e) -> (r.kind() == FleetRecord.Kind.ALERT ? alertLatency : eventLatency).add(System.currentTimeMillis() - e.time()))) {
            Thread.sleep(3_000); // the consumer joins its group
            long ingestCpu0 = ingestCpu();
            List<Process> ps = new ArrayList<>();
            List<Path> ledgers = new ArrayList<>();
            long t0 = System.nanoTime();
            for (int s = 0; s < sensors; s++) {
                Path ledger = dir.resolve("s" + s + ".ledger");
                ledgers.add(ledger);
                List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC", "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                        Main.class.getName(), "sensor", "--kafka", broker.bootstrap(), "--kafka-topic-prefix", "bench" + perSensor,
                        "--id", "s" + s, "--spool", dir.resolve("spool" + s).toString(), "--ledger", ledger.toString(),
                        "--replay", recording.toString(), "--replay-rate", Double.toString(rate),
                        "--replay-count", Long.toString(Math.round(seconds * rate))));
                for (int v = 0; v < perSensor; v++) cmd.addAll(List.of("--replay-vm", "s" + s + "-vm" + v));
                ps.add(new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("s" + s + ".log").toFile()).start());
            }
            try {
                return measure(dir, store, ps, ledgers, t0, ingestCpu0, eventLatency, alertLatency, db, sensors, perSensor, seconds, rate);
            } finally {
                for (Process p : ps) if (p.isAlive()) p.destroyForcibly(); // never leave a sensor behind
            }
        }
    }

    private static Row measure(Path dir, EventStore store, List<Process> ps, List<Path> ledgers, long t0, long ingestCpu0,
                               ConcurrentLinkedQueue<Long> eventLatency, ConcurrentLinkedQueue<Long> alertLatency, Path db,
                               int sensors, int perSensor, int seconds, double rate) throws Exception {
        {
            long expectedEvents = (long) sensors * perSensor * Math.round(seconds * rate);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds * 4L + 120);
            long stored = 0;
            while (System.nanoTime() < deadline) {
                Thread.sleep(500);
                Map<String, List<String>> produced = FleetCheck.produced(ledgers);
                stored = store.count();
                if (FleetCheck.total(produced) >= expectedEvents && stored >= FleetCheck.total(produced)) break;
            }
            double wall = (System.nanoTime() - t0) / 1e9;
            double cpu = 0;
            long rss = 0;
            for (Process p : ps) {
                cpu += cpuSeconds(p.pid());
                rss = Math.max(rss, peakRssKb(p.pid()) / 1024);
            }
            double ingestMs = (ingestCpu() - ingestCpu0) / 1e6;
            for (Process p : ps) {
                p.destroy();
                if (!p.waitFor(30, TimeUnit.SECONDS)) p.destroyForcibly();
            }
            FleetCheck.assertExactlyOnceInOrder(FleetCheck.produced(ledgers), FleetCheck.stored(db));
            int vms = sensors * perSensor;
            return new Row(sensors, vms, stored, wall, stored / wall, pct(eventLatency, 50), pct(eventLatency, 99),
                    pct(alertLatency, 50), pct(alertLatency, 99), cpu / (stored / 1000.0),
                    100 * cpu / wall / vms, rss, ingestMs / (stored / 1000.0));
        }
    }

    private static long ingestCpu() {
        var mx = ManagementFactory.getThreadMXBean();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().equals("chirp-fleet-ingest")) return mx.getThreadCpuTime(t.threadId());
        }
        return 0;
    }

    private static double cpuSeconds(long pid) throws Exception {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0; // utime + stime, in clock ticks of 1/100 s
    }

    private static long peakRssKb(long pid) throws Exception {
        for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (l.startsWith("VmHWM:")) return Long.parseLong(l.replaceAll("[^0-9]", ""));
        }
        return 0;
    }

    private static double pct(ConcurrentLinkedQueue<Long> q, int p) {
        List<Long> v = new ArrayList<>(q);
        if (v.isEmpty()) return Double.NaN;
        Collections.sort(v);
        return v.get(Math.min(v.size() - 1, (int) Math.ceil(p / 100.0 * v.size()) - 1));
    }
}
