package io.chirp.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chirp.net.pcap.CaptureExport;
import io.chirp.net.testing.LabNet;
import io.chirp.net.testing.Tshark;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code chirp net capture} then {@code chirp net flows --vm} on a real lab guest. */
class NetCommandIT {
    static LabNet net;
    @TempDir Path dir;

    private static java.time.Duration grace;

    /**
     * The in-process captures here share this JVM's VM broker, which keeps an idle QMP connection open for a grace
     * period: a capture in a child process started right after one of them would find QMP held by this JVM. Idle
     * connections are closed at once for this class.
     */
    @BeforeAll static void boot() throws Exception {
        grace = io.chirp.hypervisor.session.VmSessions.shared().idleGrace();
        io.chirp.hypervisor.session.VmSessions.shared().idleGrace(java.time.Duration.ZERO);
        net = new LabNet();
    }

    @AfterAll static void down() {
        io.chirp.hypervisor.session.VmSessions.shared().idleGrace(grace);
        if (net != null) net.close();
    }

    @Test
    void captureIntoTheEvidenceStore() throws Exception {
        Path store = dir.resolve("evidence");
        NetCommandTest.Run r = NetCommandTest.run("capture", "--vm", net.guest().name(), "--store", store.toString(),
                "--duration", "2s", "--format", "json");
        assertThat(r.code()).as(r.err() + r.failure()).isZero();
        try (var s = io.chirp.evidence.store.EvidenceStore.open(store)) {
            var a = s.list().getFirst();
            assertThat(a.kind()).isEqualTo("network-capture");
            assertThat(r.err()).contains("stored artifact " + a.id());
            assertThat(CaptureExport.sha256(s.blob(a))).isEqualTo(a.sha256());
            assertThat(s.custody()).singleElement().satisfies(c -> {
                assertThat(c.action()).isEqualTo("collect");
                assertThat(c.sha256()).isEqualTo(a.sha256());
            });
        }
    }

    @Test
    void captureForADurationThenFlowsWithDirection() throws Exception {
        Path file = dir.resolve("cli.pcapng");
        // A beacon on a kept-alive connection: it still exists when the flows are attributed from guest memory.
        net.guest().shell("(while true; do printf 'GET /beacon HTTP/1.1\\r\\nHost: beacon.test\\r\\n\\r\\n'; sleep 1; done)"
                + " | nc 10.0.2.100 8000 >/dev/null 2>&1 &", LabNet.SHELL_TIMEOUT);
        // The libraries' log lines go to System.err: watch it, the capture logs at INFO and stderr must not show it.
        java.io.PrintStream stderr = System.err;
        java.io.ByteArrayOutputStream logged = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(new java.io.OutputStream() {
            @Override public void write(int b) { stderr.write(b); logged.write(b); }
            @Override public void write(byte[] b, int off, int len) { stderr.write(b, off, len); logged.write(b, off, len); }
        }, true));
        NetCommandTest.Run r;
        try {
            CompletableFuture<NetCommandTest.Run> capture = CompletableFuture.supplyAsync(() -> NetCommandTest.run(
                    "capture", "--vm", net.guest().name(), "-o", file.toString(), "--duration", "15s", "--format", "json"));
            Thread.sleep(3000); // the filter is in place well before this
            assertThat(net.httpGet("/chirp/cli", "cli.test")).contains(LabNet.BODY);
            r = capture.get();
        } finally {
            System.setErr(stderr);
        }
        assertThat(logged.toString()).as("library log lines on stderr").doesNotContain("INFO").doesNotContain("capturing");
        assertThat(r.code()).as(r.err() + r.failure()).isZero();
        JsonNode row = new ObjectMapper().readTree(r.out()).get(0);
        assertThat(row.get("format").asText()).isEqualTo("pcapng");
        assertThat(row.get("sha256").asText()).isEqualTo(CaptureExport.sha256(file));
        // evidence: owner-only, with a manifest that agrees with the file
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(java.nio.file.Files.getPosixFilePermissions(file)))
                .isEqualTo("rw-------");
        io.chirp.evidence.EvidenceManifest m = io.chirp.evidence.EvidenceManifest.read(
                io.chirp.evidence.EvidenceManifest.pathFor(file));
        assertThat(m.sha256()).isEqualTo(row.get("sha256").asText());
        assertThat(m.kind()).isEqualTo("network-capture");
        assertThat(m.method()).isEqualTo("capture");
        assertThat(m.source().name()).isEqualTo(net.guest().name());
        assertThat(m.details()).containsEntry("packets", row.get("packets").asInt());
        assertThat(Tshark.read(file, "-T", "fields", "-e", "frame.number").strip().lines().count()).isEqualTo(row.get("packets").asLong());

        NetCommandTest.Run flows = NetCommandTest.run("flows", file.toString(), "--vm", net.guest().name(), "--format", "json");
        assertThat(flows.code()).isZero();
        JsonNode http = null;
        for (JsonNode f : new ObjectMapper().readTree(flows.out())) {
            if (f.path("metadata").asText().contains("host=cli.test")) http = f;
        }
        assertThat(http).as(flows.out()).isNotNull();
        assertThat(http.get("direction").asText()).isEqualTo("outbound");
        assertThat(http.get("client").asText()).startsWith("10.0.2.15:");
        assertThat(http.get("server").asText()).isEqualTo("10.0.2.100:8000");

        // The beacon's flow is attributed to the guest process that owns the socket, from the guest's memory.
        JsonNode beacon = null;
        for (JsonNode f : new ObjectMapper().readTree(flows.out())) {
            if (f.path("metadata").asText().contains("host=beacon.test")) beacon = f;
        }
        assertThat(beacon).as(flows.out()).isNotNull();
        assertThat(beacon.get("attribution").asText()).isEqualTo("connection");
        assertThat(beacon.get("process").asText()).isEqualTo("nc");
        assertThat(beacon.get("cmdline").asText()).isEqualTo("nc 10.0.2.100 8000");
        assertThat(beacon.get("pid").asInt()).isPositive();
        // the one-shot request closed before memory was read: no process is named (at most the kernel's TIME_WAIT)
        assertThat(http.get("attribution").asText()).isIn("none", "kernel");
        assertThat(http.get("pid").isNull()).isTrue();
    }

    /**
     * {@code net capture} in its own process, killed with SIGKILL mid-capture (no shutdown hook runs): no capture and
     * no manifest are left under the output's name, and the filter it leaves in QEMU, which would keep writing the
     * guest's traffic to the host, is removed by the next capture, which says so, with the unfinished file.
     */
    @Test
    void aKilledCaptureLeavesNoEvidenceAndTheNextCaptureRemovesItsFilter() throws Exception {
        Path out = dir.resolve("killed.pcap");
        String javaBin = ProcessHandle.current().info().command().orElse("java");
        Path childErr = dir.resolve("child.err");
        Process child = new ProcessBuilder(javaBin, "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "net", "capture", "--vm", net.guest().name(), "-o", out.toString())
                .redirectError(childErr.toFile()).redirectOutput(dir.resolve("child.out").toFile()).start();
        long pid = child.pid();
        try {
            long deadline = System.nanoTime() + java.time.Duration.ofMinutes(2).toNanos();
            while (child.isAlive() && System.nanoTime() < deadline
                    && !(java.nio.file.Files.exists(childErr) && java.nio.file.Files.readString(childErr).contains("press Ctrl-C"))) {
                Thread.sleep(100);
            }
            assertThat(child.isAlive()).as("the capture runs; it said: %s", java.nio.file.Files.readString(childErr)).isTrue();
            assertThat(net.httpGet("/chirp/killed", "killed.test")).contains(LabNet.BODY); // traffic into the file
            child.destroyForcibly();
            assertThat(child.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        } finally {
            if (child.isAlive()) child.destroyForcibly();
        }
        assertThat(out).as("no capture under the final name").doesNotExist();
        assertThat(io.chirp.evidence.EvidenceManifest.pathFor(out)).as("no manifest").doesNotExist();
        try (var q = io.chirp.hypervisor.qemu.QmpClient.connect(net.guest().qmpSocket())) {
            assertThat(q.execute("qom-list", java.util.Map.of("path", "/objects")).toString())
                    .as("the kill left its filter in QEMU").contains("chirp-dump-" + pid + "-");
        }

        NetCommandTest.Run next = NetCommandTest.run("capture", "--vm", net.guest().name(), "-o",
                dir.resolve("next.pcap").toString(), "--duration", "1s");
        assertThat(next.code()).as(next.err() + next.failure()).isZero();
        assertThat(next.err()).contains("removed capture filter chirp-dump-" + pid + "-", "killed CHIRP pid " + pid,
                "(no manifest, not evidence) was deleted");
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("unfinished capture (\\S+) \\(").matcher(next.err());
        assertThat(m.find()).isTrue();
        assertThat(Path.of(m.group(1)).getParent()).as("its folder is gone").doesNotExist();
        try (var q = io.chirp.hypervisor.qemu.QmpClient.connect(net.guest().qmpSocket())) {
            assertThat(q.execute("qom-list", java.util.Map.of("path", "/objects")).toString()).doesNotContain("chirp-dump-");
        }
        NetCommandTest.Run third = NetCommandTest.run("capture", "--vm", net.guest().name(), "-o",
                dir.resolve("third.pcap").toString(), "--duration", "1s");
        assertThat(third.code()).as(third.err() + third.failure()).isZero();
        assertThat(third.err()).as("nothing is cleaned twice").doesNotContain("removed capture filter");
    }
}
