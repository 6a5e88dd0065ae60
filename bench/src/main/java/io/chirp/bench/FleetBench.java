package io.chirp.bench;

import io.chirp.cli.Main;
import io.chirp.events.store.EventStore;
import io.chirp.detect.Detector;
import io.chirp.fleet.FleetCheck;
import io.chirp.fleet.FleetDetect;
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
 * store, sensor CPU and peak RSS, and the ingest's CPU per thousand events. With Sigma {@code central}, the sensors
 * run no rules and {@code detectors} members of a {@link FleetDetect} consumer group in this JVM evaluate the
 * events; their CPU per thousand events is the central cost of Sigma.
 */
final class FleetBench {
    /** One fleet size's results. */
    record Row(String sigma, int sensors, int vms, long events, long alerts, double seconds, double eventsPerSecond, double eventP50,
               double eventP99, double alertP50, double alertP99, double sensorCpuPerKiloEvent, double sensorCpuPerVmPercent,
               long sensorPeakRssMiB, double ingestCpuMsPerKiloEvent, double detectCpuMsPerKiloEvent) {}

    private FleetBench() {}

    /**
     * Runs each fleet size with Sigma at the sensors and then centrally ({@code detectors} group members).
     */
    static List<Row> run(int sensors, List<Integer> vmsPerSensor, int seconds, double ratePerVm, int detectors) throws Exception {
        Path dir = Files.createTempDirectory("chirp-bench-fleet");
        List<Row> rows = new ArrayList<>();
        try (TestBroker broker = TestBroker.start(dir.resolve("broker"))) {
            Path recording = Recordings.write(dir.resolve("recording.jsonl"));
            int n = 0;
            for (int perSensor : vmsPerSensor) {
                for (String sigma : List.of("sensor", "central")) {
                    rows.add(one(broker, dir.resolve("run" + n++), recording, sensors, perSensor, seconds, ratePerVm, sigma, detectors));
                }
            }
        }
        return rows;
    }

    private static Row one(TestBroker broker, Path dir, Path recording, int sensors, int perSensor, int seconds, double rate, String sigma,
                           int detectors) throws Exception {
        Files.createDirectories(dir);
        String prefix = "bench" + perSensor + sigma;
        FleetTopics topics = new FleetTopics(broker.bootstrap(), prefix, 6, (short) 1, new KafkaAuth.None());
        ConcurrentLinkedQueue<Long> eventLatency = new ConcurrentLinkedQueue<>(), alertLatency = new ConcurrentLinkedQueue<>();
        Path db = dir.resolve("events.db");
        try (EventStore store = EventStore.open(db);
             FleetIngest ingest = FleetIngest.start(topics, "bench", store, new FleetView(Duration.ofSeconds(5), Clock.systemUTC()),
                     (r, e) -> (r.kind() == FleetRecord.Kind.ALERT ? alertLatency : eventLatency).add(System.currentTimeMillis() - e.time()))) {
            List<FleetDetect> central = new ArrayList<>();
            java.util.Set<String> centralAlerts = java.util.concurrent.ConcurrentHashMap.newKeySet();
            if (sigma.equals("central")) {
                Detector rules = Detector.shipped();
                for (int i = 0; i < detectors; i++) {
                    // the findings' ids are counted here, not stored: the ledger check below compares the store with
                    // what the sensors produced, and a finding costs the store what an event does
                    central.add(FleetDetect.start(topics, "bench-detect", rules, found -> {
                        for (FleetDetect.Found f : found) centralAlerts.add(f.finding().uid());
                        long now = System.currentTimeMillis();
                        for (FleetDetect.Found f : found) alertLatency.add(now - f.trigger().time()); // from the guest's event
                    }, "chirp-fleet-detect-" + i));
                }
            }
            Thread.sleep(3_000); // the consumers join their groups
            long ingestCpu0 = ingestCpu("chirp-fleet-ingest"), detectCpu0 = ingestCpu("chirp-fleet-detect-");
            List<Process> ps = new ArrayList<>();
            List<Path> ledgers = new ArrayList<>();
            long t0 = System.nanoTime();
            for (int s = 0; s < sensors; s++) {
                Path ledger = dir.resolve("s" + s + ".ledger");
                ledgers.add(ledger);
                List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC", "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                        Main.class.getName(), "sensor", "--kafka", broker.bootstrap(), "--kafka-topic-prefix", prefix, "--sigma", sigma,
                        "--id", "s" + s, "--spool", dir.resolve("spool" + s).toString(), "--ledger", ledger.toString(),
                        "--replay", recording.toString(), "--replay-rate", Double.toString(rate),
                        "--replay-count", Long.toString(Math.round(seconds * rate))));
                for (int v = 0; v < perSensor; v++) cmd.addAll(List.of("--replay-vm", "s" + s + "-vm" + v));
                ps.add(new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("s" + s + ".log").toFile()).start());
            }
            try {
                Row r = measure(dir, store, ps, ledgers, t0, ingestCpu0, eventLatency, alertLatency, db, sensors, perSensor, seconds, rate);
                double detectMs = (ingestCpu("chirp-fleet-detect-") - detectCpu0) / 1e6;
                long alerts = sigma.equals("central") ? centralAlerts.size() : ledgerAlerts(ledgers);
                return new Row(sigma, r.sensors(), r.vms(), r.events(), alerts, r.seconds(), r.eventsPerSecond(), r.eventP50(), r.eventP99(),
                        r.alertP50(), r.alertP99(), r.sensorCpuPerKiloEvent(), r.sensorCpuPerVmPercent(), r.sensorPeakRssMiB(),
                        r.ingestCpuMsPerKiloEvent(), sigma.equals("central") ? detectMs / (r.events() / 1000.0) : Double.NaN);
            } finally {
                for (Process p : ps) if (p.isAlive()) p.destroyForcibly(); // never leave a sensor behind
                for (FleetDetect d : central) d.close();
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
            double ingestMs = (ingestCpu("chirp-fleet-ingest") - ingestCpu0) / 1e6;
            for (Process p : ps) {
                p.destroy();
                if (!p.waitFor(30, TimeUnit.SECONDS)) p.destroyForcibly();
            }
            FleetCheck.assertExactlyOnceInOrder(FleetCheck.produced(ledgers), FleetCheck.stored(db));
            int vms = sensors * perSensor;
            return new Row("", sensors, vms, stored, 0, wall, stored / wall, pct(eventLatency, 50), pct(eventLatency, 99),
                    pct(alertLatency, 50), pct(alertLatency, 99), cpu / (stored / 1000.0),
                    100 * cpu / wall / vms, rss, ingestMs / (stored / 1000.0), Double.NaN);
        }
    }

    /** {@return the alerts the sensors raised, from their ledgers} */
    /**
     * The fleet's growth: {@code totals} VMs (e.g. 1k, 5k, 10k) over {@code sensors} sensor processes, each VM a
     * quiet replayed stream at {@code ratePerVm} events/s, Sigma at the sensors, one broker, the ingest in this JVM.
     */
    static String scale(int sensors, List<Integer> totals, int seconds, double ratePerVm) throws Exception {
        Path dir = Files.createTempDirectory("chirp-bench-fleet-scale");
        StringBuilder md = new StringBuilder();
        md.append("| VMs | VMs per sensor | offered events/s | events stored | wall s | events/s end to end | event → store p50 / p99 ms "
                + "| sensor CPU % per VM | sensor peak RSS MiB | ingest CPU ms per 1k events | ingest CPU % of a core |\n");
        md.append("|---|---|---|---|---|---|---|---|---|---|---|\n");
        try (TestBroker broker = TestBroker.start(dir.resolve("broker"))) {
            Path recording = Recordings.write(dir.resolve("recording.jsonl"));
            for (int total : totals) {
                int perSensor = Math.max(1, total / sensors);
                Row r;
                try {
                    r = one(broker, dir.resolve("scale" + total), recording, sensors, perSensor, seconds, ratePerVm, "sensor", 0);
                } catch (AssertionError e) { // the ledger check: not everything stored within the deadline (or worse)
                    md.append("| ").append(sensors * perSensor).append(" | ").append(perSensor).append(" | failed the ledger check: ")
                            .append(e.getMessage().lines().findFirst().orElse("").replace('|', '/')).append(" ||||||||\n");
                    System.out.print(md);
                    continue;
                }
                double ingestPct = r.ingestCpuMsPerKiloEvent() * r.events() / 1000.0 / (r.seconds() * 1000) * 100;
                md.append(String.format("| %d | %d | %.0f | %d | %.1f | %.0f | %.0f / %.0f | %.3f | %d | %.1f | %.1f |%n", r.vms(), perSensor,
                        r.vms() * ratePerVm, r.events(), r.seconds(), r.eventsPerSecond(), r.eventP50(), r.eventP99(),
                        r.sensorCpuPerVmPercent(), r.sensorPeakRssMiB(), r.ingestCpuMsPerKiloEvent(), ingestPct));
                System.out.print(md);
            }
        }
        return md.toString();
    }

    private static long ledgerAlerts(List<Path> ledgers) throws java.io.IOException {
        long n = 0;
        for (Path l : ledgers) {
            if (Files.exists(l)) n += Files.readAllLines(l).stream().filter(x -> x.startsWith("kept alert ")).count();
        }
        return n;
    }

    /** {@return the CPU nanoseconds of the live threads whose name starts with {@code name}} */
    private static long ingestCpu(String name) {
        var mx = ManagementFactory.getThreadMXBean();
        long n = 0;
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith(name)) n += Math.max(0, mx.getThreadCpuTime(t.threadId()));
        }
        return n;
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
