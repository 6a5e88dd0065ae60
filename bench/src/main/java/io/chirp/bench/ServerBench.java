package io.chirp.bench;

import io.chirp.hypervisor.Target;
import io.chirp.lab.LabGuest;
import io.chirp.linux.LinuxKernel;
import io.chirp.server.ChirpServer;
import io.chirp.server.ServerConfig;
import io.chirp.tables.LinuxViews;
import io.chirp.tables.Rows;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * pslist through the REST API against the same view called in process, on the same live guest in the same run:
 * what HTTP, authentication, validation, JSON and the audit record add to a view. Both sides open the VM and
 * attach its kernel on every call (the server does that per request), so the difference is the API's cost.
 */
final class ServerBench {
    /** One measurement: median and best wall time in milliseconds over the iterations. */
    record Row(String what, double medianMs, double bestMs, int rows) {}

    private ServerBench() {}

    /** A throughput: how many per second, and what else to say about it. */
    record Rate(String what, double perSecond, String note) {}

    /** Both kinds of measurement of one run. */
    record Result(List<Row> rows, List<Rate> rates) {}

    static Result run(int iterations) throws Exception {
        List<Row> rows = new ArrayList<>();
        List<Rate> rates = new ArrayList<>();
        Path home = Files.createTempDirectory("chirp-bench-serve");
        try (LabGuest g = LabFixture.boot("512M");
             ChirpServer server = ChirpServer.start(ServerConfig.defaults(home).withPort(0).withVms(List.of(g.name())))) {
            HttpClient http = HttpClient.newHttpClient();
            URI uri = server.uri().resolve("/api/vms/" + g.name() + "/linux/pslist?fresh=true"); // past the view cache
            URI cachedUri = server.uri().resolve("/api/vms/" + g.name() + "/linux/pslist");
            String token = server.firstAdminToken();
            List<Double> local = new ArrayList<>(), api = new ArrayList<>();
            int localRows = 0, apiBytes = 0;
            for (int i = 0; i < iterations + 2; i++) { // two warm-up rounds, not counted
                long t0 = System.nanoTime();
                Rows r;
                try (Target t = Target.vm(g.name())) {
                    r = LinuxViews.pslist(LinuxKernel.attach(t.memory(), t.cpus()), false, null);
                }
                long t1 = System.nanoTime();
                HttpResponse<String> resp = http.send(HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + token)
                        .timeout(Duration.ofMinutes(2)).build(), HttpResponse.BodyHandlers.ofString());
                long t2 = System.nanoTime();
                if (resp.statusCode() != 200) throw new IllegalStateException("API answered " + resp.statusCode() + ": " + resp.body());
                if (i >= 2) {
                    local.add((t1 - t0) / 1e6);
                    api.add((t2 - t1) / 1e6);
                }
                localRows = r.values().size();
                apiBytes = resp.body().length();
            }
            rows.add(new Row("pslist in process (open VM, attach, walk)", median(local), Collections.min(local), localRows));
            rows.add(new Row("pslist through the API (same, plus HTTP, auth, JSON of " + apiBytes + " bytes, audit)",
                    median(api), Collections.min(api), localRows));
            rates.add(cachedViewRate(http, cachedUri, token, 4, Duration.ofSeconds(10)));
            // the same HTTP, authentication and JSON without guest data or an audit record: what the audit log costs
            rates.add(cachedViewRate(http, server.uri().resolve("/api/tables"), token, 4, Duration.ofSeconds(10)));
            // a mutating-method call: its caller waits until its audit record is durable (group-committed with others)
            rates.add(rate(http, server.uri().resolve("/api/rules/check"), token, "{\"yaml\":\"title: t\\nid: bench-rule\\n"
                    + "logsource: {category: process_creation, product: linux}\\ndetection: {s: {Image|endswith: /sh}, condition: s}\\n\"}",
                    4, Duration.ofSeconds(10), "POST /api/rules/check (audited, durable before the answer)"));
            rates.addAll(auditRates(home.resolve("audit-bench.db")));
            for (int subscribers : new int[] {1, 20}) rates.add(streamRate(server, http, token, subscribers, 20_000));
            return new Result(rows, rates);
        } finally {
            try (var files = Files.walk(home)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /**
     * Requests per second for a cached view: {@code clients} concurrent callers ask for pslist as fast as they can
     * for {@code d}; the server reads the guest once per cache lifetime and answers the rest from the cache (every
     * call still authenticated, validated, audited and encoded).
     */
    private static Rate cachedViewRate(HttpClient http, URI uri, String token, int clients, Duration d) throws Exception {
        String what = uri.getPath().endsWith("/tables") ? "GET /api/tables (no guest data, not audited: the baseline)"
                : "pslist through the API, cached (audited)";
        return rate(http, uri, token, null, clients, d, what);
    }

    /**
     * The audit log itself, without HTTP: records/s appended one commit each (how every call was audited before:
     * synchronous=FULL, one fsync per record) and group-committed in batches (how the server's writer appends what
     * is queued).
     */
    private static List<Rate> auditRates(Path file) {
        List<Rate> out = new ArrayList<>();
        try (io.chirp.events.custody.CustodyLog log = io.chirp.events.custody.CustodyLog.open(file)) {
            long end = System.nanoTime() + Duration.ofSeconds(5).toNanos(), n = 0, t0 = System.nanoTime();
            while (System.nanoTime() < end) {
                log.append("bench", "api GET /api/vms/{vm}/linux/pslist", "/api/vms/x/linux/pslist", null, "{}");
                n++;
            }
            out.add(new Rate("audit log, one commit per record (before)", n / ((System.nanoTime() - t0) / 1e9), n + " records"));
            for (int batch : new int[] {4, 64}) {
                List<io.chirp.events.custody.CustodyLog.Entry> b = new ArrayList<>();
                for (int i = 0; i < batch; i++) b.add(new io.chirp.events.custody.CustodyLog.Entry("bench",
                        "api GET /api/vms/{vm}/linux/pslist", "/api/vms/x/linux/pslist", null, "{}"));
                end = System.nanoTime() + Duration.ofSeconds(5).toNanos();
                n = 0;
                t0 = System.nanoTime();
                while (System.nanoTime() < end) {
                    log.appendAll(b);
                    n += batch;
                }
                out.add(new Rate("audit log, group commit of " + batch + " records (after)", n / ((System.nanoTime() - t0) / 1e9),
                        n + " records"));
            }
            if (!log.verify().intact()) throw new IllegalStateException("the bench's audit chain is broken");
        }
        return out;
    }

    private static Rate rate(HttpClient http, URI uri, String token, String body, int clients, Duration d, String what) throws Exception {
        java.util.concurrent.atomic.AtomicLong ok = new java.util.concurrent.atomic.AtomicLong();
        long end = System.nanoTime() + d.toNanos();
        long t0 = System.nanoTime();
        List<Thread> ts = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            ts.add(Thread.ofVirtual().start(() -> {
                while (System.nanoTime() < end) {
                    try {
                        HttpRequest.Builder rb = HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + token);
                        if (body != null) rb.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
                        HttpResponse<String> r = http.send(rb.build(), HttpResponse.BodyHandlers.ofString());
                        if (r.statusCode() == 200) ok.incrementAndGet();
                    } catch (Exception e) {
                        return;
                    }
                }
            }));
        }
        for (Thread t : ts) t.join();
        double secs = (System.nanoTime() - t0) / 1e9;
        return new Rate(what + ", " + clients + " concurrent clients, " + d.toSeconds() + " s",
                ok.get() / secs, ok.get() + " answers of 200");
    }

    /**
     * Events per second through the live stream: {@code subscribers} SSE clients over HTTP, {@code n} events
     * published on the hub, paced to stay half a queue ahead of the slowest subscriber; the rate is what all
     * subscribers received, first publish to last delivery. (A subscriber whose queue is full misses events,
     * counted, never blocking the publisher: the pacing is the benchmark's, so that it measures delivery.)
     */
    private static Rate streamRate(ChirpServer server, HttpClient http, String token, int subscribers, int n) throws Exception {
        URI uri = server.uri().resolve("/api/stream?topics=event&vm=bench-stream");
        java.util.concurrent.atomic.AtomicLongArray got = new java.util.concurrent.atomic.AtomicLongArray(subscribers);
        java.util.concurrent.atomic.AtomicLongArray missed = new java.util.concurrent.atomic.AtomicLongArray(subscribers);
        List<java.io.InputStream> bodies = new ArrayList<>();
        List<Thread> readers = new ArrayList<>();
        int before = server.hub().subscribers();
        for (int i = 0; i < subscribers; i++) {
            HttpResponse<java.io.InputStream> r = http.send(HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + token)
                    .build(), HttpResponse.BodyHandlers.ofInputStream());
            if (r.statusCode() != 200) throw new IllegalStateException("stream answered " + r.statusCode());
            bodies.add(r.body());
            int k = i;
            readers.add(Thread.ofVirtual().start(() -> {
                try (var in = new java.io.BufferedReader(new java.io.InputStreamReader(r.body(), java.nio.charset.StandardCharsets.UTF_8))) {
                    String event = null;
                    for (String line; (line = in.readLine()) != null; ) {
                        if (line.startsWith("event: ")) event = line.substring(7);
                        else if (line.startsWith("data: ") && "event".equals(event)) got.incrementAndGet(k);
                        else if (line.startsWith("data: ") && "missed".equals(event)) missed.addAndGet(k, parseMissed(line));
                        if (got.get(k) + missed.get(k) >= n) return;
                    }
                } catch (java.io.IOException e) {
                    // closed by the benchmark
                }
            }));
        }
        long wait = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (server.hub().subscribers() < before + subscribers && System.nanoTime() < wait) Thread.sleep(20);
        long t0 = System.nanoTime();
        // Paced by the slowest subscriber: at most half a queue ahead of it, so nothing is missed and the rate is
        // what the stream sustains (published flat out, a queue overflows at once and the rate measures the drops).
        int window = io.chirp.server.EventHub.QUEUE / 2;
        long paceDeadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        for (int i = 0; i < n; i++) {
            while (i - slowest(got, missed) >= window && System.nanoTime() < paceDeadline) Thread.onSpinWait();
            server.hub().publish(io.chirp.server.EventHub.Topic.event, "bench-stream", java.util.Map.of("i", i));
        }
        for (Thread t : readers) t.join(Duration.ofSeconds(60));
        double secs = (System.nanoTime() - t0) / 1e9;
        for (java.io.InputStream b : bodies) b.close();
        long received = 0, lost = 0, slowest = Long.MAX_VALUE;
        for (int i = 0; i < subscribers; i++) {
            received += got.get(i);
            lost += missed.get(i);
            slowest = Math.min(slowest, got.get(i));
        }
        return new Rate("live stream, " + subscribers + " subscriber" + (subscribers == 1 ? "" : "s") + ", " + n
                + " events published", received / secs, String.format("%.0f events/s per subscriber; %d delivered, %d missed in all;"
                + " slowest subscriber got %d", received / secs / subscribers, received, lost, slowest));
    }

    private static long slowest(java.util.concurrent.atomic.AtomicLongArray got, java.util.concurrent.atomic.AtomicLongArray missed) {
        long min = Long.MAX_VALUE;
        for (int i = 0; i < got.length(); i++) min = Math.min(min, got.get(i) + missed.get(i));
        return min;
    }

    private static long parseMissed(String line) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+)").matcher(line);
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    private static double median(List<Double> v) {
        List<Double> s = new ArrayList<>(v);
        Collections.sort(s);
        return s.get(s.size() / 2);
    }
}
