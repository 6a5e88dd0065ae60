package io.chirp.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chirp.cli.Main;
import io.chirp.events.OcsfEvent;
import io.chirp.events.store.EventStore;
import io.chirp.fleet.FleetTopics;
import io.chirp.fleet.KafkaAuth;
import io.chirp.fleet.Recordings;
import io.chirp.fleet.TestBroker;
import io.chirp.server.Browser;
import io.chirp.server.ChirpServer;
import io.chirp.server.Role;
import io.chirp.server.ServerConfig;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

/**
 * The console at scale, measured in a real browser (headless Debian chromium through Selenium, times from the page's
 * own Performance API): a server with {@code vms} VMs and {@code events} stored events. The VMs are stand-ins, as in
 * the fleet benchmark: one {@code chirp sensor --replay} process reports them through a real broker (so they are
 * VMs of a sensor host on the fleet page, each with its state) and keeps replaying a recorded stream for them at a
 * low rate while the pages are measured. The stored events are the same recording, written into the server's
 * store before it starts, spread over the last day, so the store holds them all before the first page opens.
 */
final class ConsoleBench {
    /** One measurement: the median and the worst of its runs, in milliseconds. */
    record Row(String what, double medianMs, double maxMs, int runs, String note) {}

    private static final String PASSWORD = "bench console password";
    private static final int RUNS = 5;

    private ConsoleBench() {}

    static List<Row> run(int vms, int events) throws Exception {
        Path dir = Files.createTempDirectory("chirp-bench-console");
        ServerConfig config = ServerConfig.defaults(dir.resolve("home")).withPort(0).withVms(List.of());
        Path recording = Recordings.write(dir.resolve("recording.jsonl"));
        List<String> names = new ArrayList<>();
        for (int i = 0; i < vms; i++) names.add(String.format("bench-vm-%03d", i));
        fill(config, recording, names, events);
        List<Row> rows = new ArrayList<>();
        try (TestBroker broker = TestBroker.start(dir.resolve("broker"))) {
            FleetTopics topics = new FleetTopics(broker.bootstrap(), "console", 6, (short) 1, new KafkaAuth.None());
            try (ChirpServer server = ChirpServer.start(config, new ChirpServer.FleetOptions(topics, "console-bench",
                    Duration.ofSeconds(60), false))) {
                server.credentials().addUser("bench", Role.ANALYST, PASSWORD.toCharArray());
                List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC", "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                        Main.class.getName(), "sensor", "--kafka", broker.bootstrap(), "--kafka-topic-prefix", "console",
                        "--id", "bench-host", "--spool", dir.resolve("spool").toString(), "--ledger", dir.resolve("ledger").toString(),
                        "--replay", recording.toString(), "--replay-rate", "0.05", "--replay-count", "0"));
                for (String n : names) cmd.addAll(List.of("--replay-vm", n));
                Process sensor = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("sensor.log").toFile()).start();
                try (Browser b = new Browser(server.uri())) {
                    b.driver.manage().timeouts().scriptTimeout(Duration.ofMinutes(3)); // the waits below bound themselves
                    b.signIn("bench", PASSWORD);
                    b.await(Duration.ofMinutes(3), "the sensor's " + vms + " VMs on the fleet page", d -> fleetRows(b) >= vms ? true : null);
                    rows.addAll(measure(b, vms));
                } finally {
                    sensor.destroyForcibly(); // never leave a sensor behind
                    sensor.waitFor();
                }
            }
        }
        return rows;
    }

    /** The events, written before the server starts: the recording's events, one VM after another, over 24 hours. */
    private static void fill(ServerConfig config, Path recording, List<String> vms, int events) throws Exception {
        ObjectMapper json = new ObjectMapper();
        List<ObjectNode> rec = new ArrayList<>();
        for (String line : Files.readAllLines(recording)) if (!line.isBlank()) rec.add((ObjectNode) json.readTree(line));
        Files.createDirectories(config.storeFile().getParent());
        long now = System.currentTimeMillis(), step = Duration.ofDays(1).toMillis() / events;
        try (EventStore store = EventStore.open(config.storeFile())) {
            List<OcsfEvent> batch = new ArrayList<>();
            for (int i = 0; i < events; i++) {
                ObjectNode e = rec.get(i % rec.size()).deepCopy();
                String vm = vms.get(i % vms.size());
                e.withObject("device").put("name", vm).remove("uid");
                e.withObject("metadata").put("uid", UUID.nameUUIDFromBytes(("console-bench/" + i).getBytes()).toString());
                e.put("time", now - (long) (events - i) * step);
                batch.add(OcsfEvent.parse(e.toString()));
                if (batch.size() == 5000) {
                    store.insert(batch);
                    batch.clear();
                }
            }
            if (!batch.isEmpty()) store.insert(batch);
        }
    }

    private static long fleetRows(Browser b) {
        Object n = b.driver.executeScript("return document.querySelectorAll('#fleet-table tbody tr[data-vm]').length");
        return n instanceof Number x ? x.longValue() : 0;
    }

    private static List<Row> measure(Browser b, int vms) {
        List<Row> rows = new ArrayList<>();
        // a cold load of the console on the fleet page: navigation start to every VM's row drawn
        double[] fleet = new double[RUNS], dcl = new double[RUNS];
        // each API call of the cold load, from the page's resource timing: path -> [duration of run i], [start of run i]
        java.util.Map<String, double[][]> calls = new java.util.TreeMap<>();
        for (int i = 0; i < RUNS; i++) {
            // a new document each time: opening the URL the browser already shows (/#/fleet after sign-in) is a
            // same-document fragment navigation, no load at all, and performance.now() would count from sign-in
            b.driver.get("about:blank");
            b.open("/#/fleet");
            double[] t = (double[]) toArray(b.driver.executeAsyncScript(WAIT_ROWS, "#fleet-table tbody tr[data-vm]", vms, 120_000));
            fleet[i] = t[0];
            dcl[i] = t[1];
            for (Object o : (List<?>) b.driver.executeScript("return performance.getEntriesByType('resource')"
                    + ".filter(e => new URL(e.name).pathname.startsWith('/api/') && !e.name.includes('/api/stream') && e.startTime <= arguments[0])"
                    + ".map(e => [new URL(e.name).pathname + new URL(e.name).search, e.startTime, e.responseEnd - e.startTime])", t[0])) {
                List<?> e = (List<?>) o;
                double[][] d = calls.computeIfAbsent((String) e.get(0), k -> new double[][] {new double[RUNS], new double[RUNS]});
                if (d[1][i] > 0) continue; // the first of a path's calls (the page reloads its data every 3 s)
                d[0][i] = ((Number) e.get(2)).doubleValue();
                d[1][i] = ((Number) e.get(1)).doubleValue();
            }
        }
        rows.add(row("fleet page: cold load to all " + vms + " VM rows (navigation start → rows drawn)", fleet,
                "DOMContentLoaded median " + Math.round(median(dcl)) + " ms; runs in order: " + runs(fleet)));
        calls.forEach((path, d) -> rows.add(row("fleet page: cold load, `GET " + path + "` request → response end", d[0],
                "sent at " + Math.round(median(d[1])) + " ms (median) after navigation start; runs in order: " + runs(d[0]))));
        // filtering the fleet table: the input event to the redrawn table
        double[] filter = new double[RUNS];
        for (int i = 0; i < RUNS; i++) {
            filter[i] = ((Number) b.driver.executeScript("const f = document.getElementById('fleet-filter'); const t0 = performance.now();"
                    + " f.value = arguments[0]; f.dispatchEvent(new Event('input')); const n = document.querySelectorAll('#fleet-table tbody tr').length;"
                    + " f.value = ''; f.dispatchEvent(new Event('input')); return n > 0 ? performance.now() - t0 : -1;", "vm-1" + i)).doubleValue();
        }
        rows.add(row("fleet page: filter typed → table redrawn (filter and clear)", filter, ""));
        // the timeline: the page's hash change to the rows and the chart drawn from the store's newest events
        double[] tl = new double[RUNS];
        long shown = 0;
        for (int i = 0; i < RUNS; i++) {
            b.go("#/fleet");
            b.await(Duration.ofSeconds(60), "the fleet page", d -> fleetRows(b) >= vms ? true : null);
            Object r = b.driver.executeAsyncScript("const done = arguments[arguments.length - 1]; const t0 = performance.now();"
                    + " location.hash = '#/timeline';"
                    + " const tick = () => { const n = document.querySelectorAll('#timeline-table tbody tr').length;"
                    + "   if (n >= 500 && window.Chart && Chart.getChart('tl-chart')) requestAnimationFrame(() => done([performance.now() - t0, n]));"
                    + "   else if (performance.now() - t0 > 120000) done([-1, n]); else setTimeout(tick, 5); }; tick();");
            double[] x = toArray(r);
            tl[i] = x[0];
            shown = (long) x[1];
        }
        rows.add(row("timeline page: open → event rows and rate chart drawn", tl, shown + " rows drawn of the newest 5,000 the page loads (500 at a time)"));
        // scrolling the timeline's table: frame times while it scrolls to the end, and long tasks (> 50 ms)
        double[] frames = toArray(b.driver.executeAsyncScript("const done = arguments[arguments.length - 1];"
                + " const w = document.querySelector('#timeline-table').closest('.table-wrap'); const gaps = []; let long = 0;"
                + " const obs = new PerformanceObserver(l => { long += l.getEntries().length; }); try { obs.observe({ type: 'longtask' }); } catch (e) {}"
                + " let last = performance.now(); const t0 = last;"
                + " const step = () => { const now = performance.now(); gaps.push(now - last); last = now; w.scrollTop += 1500;"
                + "   if (w.scrollTop + w.clientHeight < w.scrollHeight - 1 && now - t0 < 60000) requestAnimationFrame(step);"
                + "   else { obs.disconnect(); gaps.sort((a, b) => a - b); done([gaps[Math.floor(gaps.length / 2)], gaps[Math.floor(gaps.length * 0.95)],"
                + "     gaps[gaps.length - 1], gaps.length, long, now - t0]); } };"
                + " requestAnimationFrame(step);"));
        rows.add(new Row("timeline page: scroll to the end, frame interval p50 (p95 in the note)", frames[0], frames[2], (int) frames[3],
                String.format("p95 %.1f ms, %d frames over %.0f ms, %d long tasks", frames[1], (int) frames[3], frames[5], (int) frames[4])));
        // the timeline's text filter over the rows the page holds
        double[] text = new double[RUNS];
        for (int i = 0; i < RUNS; i++) {
            text[i] = ((Number) b.driver.executeScript("const f = document.getElementById('tl-text'); const t0 = performance.now();"
                    + " f.value = arguments[0]; f.dispatchEvent(new Event('input')); const d = performance.now() - t0;"
                    + " f.value = ''; f.dispatchEvent(new Event('input')); return d;", i % 2 == 0 ? "cron" : "diamorphine")).doubleValue();
        }
        rows.add(row("timeline page: text filter typed → rows and chart redrawn", text, ""));
        // paging back in time: a click on "Load older events" to the next 5,000 older events held, drawn in chart and status
        double[] older = new double[RUNS];
        long held = 0;
        for (int i = 0; i < RUNS; i++) {
            double[] x = toArray(b.driver.executeAsyncScript("const done = arguments[arguments.length - 1];"
                    + " const b = document.getElementById('tl-older'), s = document.getElementById('tl-status');"
                    + " if (!b || b.hidden) { done([-1, 0]); return; }"
                    + " const count = () => parseInt(s.textContent.replace(/,/g, ''), 10) || 0; const n0 = count(); const t0 = performance.now(); b.click();"
                    + " const tick = () => { if (count() >= n0 + 4000 && !b.disabled) requestAnimationFrame(() => done([performance.now() - t0, count()]));"
                    + "   else if (performance.now() - t0 > 120000) done([-2, count()]); else setTimeout(tick, 5); }; tick();"));
            older[i] = x[0];
            held = (long) x[1];
        }
        if (Arrays.stream(older).anyMatch(x -> x < 0)) {
            rows.add(new Row("timeline page: Load older events → next 5,000 drawn", Double.NaN, Double.NaN, 0,
                    Arrays.stream(older).anyMatch(x -> x == -1) ? "the page offers no older events (it loads the newest 5,000 only)"
                            : "did not finish within 120 s"));
        } else {
            rows.add(row("timeline page: Load older events → next 5,000 drawn", older, held + " events held after " + RUNS + " pages back"));
        }
        return rows;
    }

    /** Waits in the page for at least N rows; answers [ms since navigation start, DOMContentLoaded ms]. */
    private static final String WAIT_ROWS = "const done = arguments[arguments.length - 1]; const [sel, want, limit] = arguments;"
            + " const tick = () => { const n = document.querySelectorAll(sel).length;"
            + "   const nav = performance.getEntriesByType('navigation')[0];"
            + "   if (n >= want) requestAnimationFrame(() => done([performance.now(), nav ? nav.domContentLoadedEventEnd : -1]));"
            + "   else if (performance.now() > limit) done([-1, -1]); else setTimeout(tick, 5); }; tick();";

    private static double[] toArray(Object o) {
        List<?> l = (List<?>) o;
        double[] d = new double[l.size()];
        for (int i = 0; i < d.length; i++) d[i] = ((Number) l.get(i)).doubleValue();
        return d;
    }

    private static Row row(String what, double[] ms, String note) {
        return new Row(what, median(ms), Arrays.stream(ms).max().orElse(0), ms.length, note);
    }

    private static String runs(double[] ms) {
        return String.join(", ", Arrays.stream(ms).mapToObj(x -> String.valueOf(Math.round(x))).toList());
    }

    private static double median(double[] ms) {
        double[] s = ms.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
