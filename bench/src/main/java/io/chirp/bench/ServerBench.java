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

    static List<Row> run(int iterations) throws Exception {
        Path home = Files.createTempDirectory("chirp-bench-serve");
        try (LabGuest g = LabFixture.boot("512M");
             ChirpServer server = ChirpServer.start(ServerConfig.defaults(home).withPort(0).withVms(List.of(g.name())))) {
            HttpClient http = HttpClient.newHttpClient();
            URI uri = server.uri().resolve("/api/vms/" + g.name() + "/linux/pslist");
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
            return List.of(new Row("pslist in process (open VM, attach, walk)", median(local), Collections.min(local), localRows),
                    new Row("pslist through the API (same, plus HTTP, auth, JSON of " + apiBytes + " bytes, audit)",
                            median(api), Collections.min(api), localRows));
        } finally {
            try (var files = Files.walk(home)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static double median(List<Double> v) {
        List<Double> s = new ArrayList<>(v);
        Collections.sort(s);
        return s.get(s.size() / 2);
    }
}
