package io.chirp.net.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import io.chirp.core.ChirpException;
import io.chirp.hypervisor.QemuVm;
import io.chirp.hypervisor.VmInventory;
import io.chirp.hypervisor.qemu.QmpClient;
import io.chirp.net.pcap.CaptureExport;
import io.chirp.net.pcap.CaptureFormat;
import io.chirp.net.flow.Flow;
import io.chirp.net.flow.FlowReport;
import io.chirp.net.flow.Flows;
import io.chirp.net.proto.AppData;
import io.chirp.net.testing.FlowOracle;
import io.chirp.net.testing.LabNet;
import io.chirp.net.testing.Tshark;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Live capture on a real lab guest: what the guest sends is captured, and the guest cannot tell. */
class LiveCaptureIT {
    static LabNet net;
    @TempDir Path dir;

    @BeforeAll static void boot() throws Exception { net = new LabNet(); }

    @AfterAll static void down() { if (net != null) net.close(); }

    private static QemuVm vm() { return new VmInventory().find(net.guest().name()); }

    @Test
    void capturesTheGuestsHttpRequestIntoAHashedPcap() {
        QemuVm vm = vm();
        assertThat(QemuNics.netdevIds(vm.argv())).containsExactly("net0");
        assertThat(QemuNics.mac(vm.argv(), "net0")).contains("52:54:00:12:34:56");
        CaptureResult r;
        try (LiveCapture c = LiveCapture.start(vm)) {
            String out = net.httpGet("/chirp/live-capture", "capture.test");
            assertThat(out).contains(LabNet.BODY);
            r = c.stop(dir.resolve("live.pcap"), CaptureFormat.PCAP);
        }
        assertThat(r.problem()).isEmpty();
        assertThat(r.packets()).isGreaterThanOrEqualTo(6);
        assertThat(r.sha256()).isEqualTo(CaptureExport.sha256(r.file()));
        String requests = Tshark.read(r.file(), "-Y", "http.request", "-T", "fields", "-e", "ip.src", "-e", "http.request.uri", "-e", "http.host");
        assertThat(requests.strip()).isEqualTo("10.0.2.15\t/chirp/live-capture\tcapture.test");
        assertThat(Tshark.read(r.file(), "-T", "fields", "-e", "frame.number").strip().lines().count()).isEqualTo(r.packets());
        assertNoFilterLeft();
    }

    @Test
    void flowsOfALiveCaptureMatchTshark() {
        CaptureResult r;
        try (LiveCapture c = LiveCapture.start(vm())) {
            net.httpGet("/chirp/flows?x=1", "flows.test");
            net.dnsLookup("exfil.chirp.test");
            net.guest().shell("ping -c 2 -W 2 10.0.2.2 >/dev/null 2>&1; true", LabNet.SHELL_TIMEOUT);
            r = c.stop(dir.resolve("flows.pcap"), CaptureFormat.PCAP);
        }
        FlowReport flows = Flows.read(r.file());
        assertThat(flows.complete()).isTrue();
        assertThat(flows.stats().packets()).isEqualTo(r.packets());
        assertThat(FlowOracle.chirpFlows(flows)).isEqualTo(FlowOracle.tsharkFlows(r.file()));
        assertThat(FlowOracle.chirpConversationFrames(flows, 6)).isEqualTo(FlowOracle.tsharkConversationFrames(r.file(), "tcp"));
        assertThat(FlowOracle.chirpConversationFrames(flows, 17)).isEqualTo(FlowOracle.tsharkConversationFrames(r.file(), "udp"));
        assertThat(FlowOracle.chirpNames(flows)).isEqualTo(FlowOracle.tsharkNames(r.file()));
        // And the content is what the guest did, from the guest's own address and MAC.
        Flow http = flows.flows().stream().filter(f -> f.server().port() == LabNet.SERVER_PORT && !f.metadata().isEmpty())
                .findFirst().orElseThrow();
        assertThat(http.client().ipText()).isEqualTo("10.0.2.15");
        assertThat(http.clientMac()).contains("52:54:00:12:34:56");
        assertThat(http.metadata().getFirst().data()).isEqualTo(new AppData.HttpRequest("GET", "/chirp/flows?x=1", "HTTP/1.1",
                java.util.Optional.of("flows.test")));
        assertThat(FlowOracle.chirpNames(flows).values()).anyMatch(v -> v.startsWith("exfil.chirp.test|"));
    }

    @Test
    void packetTimestampsAreTheHostsUtc() throws Exception {
        CaptureResult r, ng;
        try (LiveCapture c = LiveCapture.start(vm())) {
            net.httpGet("/chirp/clock", "clock.test");
            r = c.stop(dir.resolve("clock.pcap"), CaptureFormat.PCAP);
        }
        java.time.Instant served = net.received("/chirp/clock").orElseThrow();
        java.time.Instant captured = epoch(Tshark.read(r.file(), "-Y", "http.request.uri == \"/chirp/clock\"", "-T", "fields",
                "-e", "frame.time_epoch"));
        // the request left the guest (and was captured) just before the host's server read it through QEMU's user
        // network; the conversion is precise to a kernel tick of the file's mtime
        assertThat(Duration.between(captured, served)).as("captured %s, served %s", captured, served)
                .isBetween(Duration.ofMillis(-20), Duration.ofSeconds(3));
        // unconverted, it would be QEMU's virtual clock: ahead by about the VM's running time (a TCG boot alone is more)
        assertThat(r.clockOffsetNanos()).hasValueSatisfying(o -> assertThat(o).isGreaterThan(5_000_000_000L));
        JsonNode manifest = new com.fasterxml.jackson.databind.ObjectMapper().readTree(
                dir.resolve("clock.pcap.manifest.json").toFile());
        assertThat(manifest.toString()).contains("clock_offset_ns").contains("timestamps are host UTC");
        // pcapng output: the same conversion
        try (LiveCapture c = LiveCapture.start(vm())) {
            net.httpGet("/chirp/clock-ng", "clock.test");
            ng = c.stop(dir.resolve("clock.pcapng"), CaptureFormat.PCAPNG);
        }
        java.time.Instant capturedNg = epoch(Tshark.read(ng.file(), "-Y", "http.request.uri == \"/chirp/clock-ng\"", "-T",
                "fields", "-e", "frame.time_epoch"));
        assertThat(Duration.between(capturedNg, net.received("/chirp/clock-ng").orElseThrow()))
                .isBetween(Duration.ofMillis(-20), Duration.ofSeconds(3));
    }

    private static java.time.Instant epoch(String tsharkField) {
        java.math.BigDecimal s = new java.math.BigDecimal(tsharkField.strip());
        return java.time.Instant.ofEpochSecond(s.longValue(), s.remainder(java.math.BigDecimal.ONE).movePointRight(9).longValue());
    }

    @Test
    void pcapngOutputHoldsTheSamePackets() {
        CaptureResult r;
        try (LiveCapture c = LiveCapture.start(vm())) {
            net.httpGet("/chirp/ng", "ng.test");
            r = c.stop(dir.resolve("live.pcapng"), CaptureFormat.PCAPNG);
        }
        assertThat(Tshark.read(r.file(), "-T", "fields", "-e", "frame.number").strip().lines().count()).isEqualTo(r.packets());
        assertThat(Tshark.read(r.file(), "-Y", "http.request", "-T", "fields", "-e", "http.host").strip()).isEqualTo("ng.test");
    }

    @Test
    void theGuestSeesNoChangeWhileCaptured() {
        // The guest compares its own view before and during the capture: only SAME or DIFF crosses the serial
        // console, which was seen to duplicate a character now and then under load.
        String probe = "(for i in /sys/class/net/*; do echo $i $(cat $i/flags $i/mtu $i/carrier $i/address $i/tx_queue_len); done;"
                + " ls /sys/bus/pci/devices; cat /proc/net/dev | cut -d: -f1)";
        String settled = "";
        for (int i = 0; i < 10 && !settled.contains("STABLE"); i++) {
            // The guest's boot may still be configuring eth0: wait until two looks a second apart agree.
            settled = net.guest().shell(probe + " >/tmp/b1; sleep 1; " + probe + " >/tmp/b2; cmp -s /tmp/b1 /tmp/b2 && echo STABLE"
                    + " $(grep -c '^/sys/class/net/eth0 ' /tmp/b2)", LabNet.SHELL_TIMEOUT);
        }
        assertThat(settled).contains("STABLE 1");
        String verdict;
        try (LiveCapture c = LiveCapture.start(vm())) {
            verdict = net.guest().shell(probe + " >/tmp/during; cmp -s /tmp/b2 /tmp/during && echo SAME || { echo DIFF; diff /tmp/b2 /tmp/during; }",
                    LabNet.SHELL_TIMEOUT);
        }
        assertThat(verdict).contains("SAME").doesNotContain("DIFF");
    }

    @Test
    void aBusyMonitorIsAClearErrorAndLeavesNothingBehind() throws Exception {
        // Another process holds the monitor (inside this JVM, QmpClient shares its one connection instead).
        Process other = new ProcessBuilder("socat", "STDIO", "UNIX-CONNECT:" + net.guest().qmpSocket())
                .redirectErrorStream(true).start();
        try {
            String greeting = new java.io.BufferedReader(new java.io.InputStreamReader(other.getInputStream(),
                    java.nio.charset.StandardCharsets.UTF_8)).readLine();
            assertThat(greeting).as("socat got the monitor").contains("QMP");
            assertThatThrownBy(() -> LiveCapture.start(vm()))
                    .isInstanceOf(ChirpException.class)
                    .hasMessageContaining("busy")
                    .extracting(e -> ((ChirpException) e).kind()).isEqualTo(ChirpException.Kind.UNAVAILABLE);
        } finally {
            other.destroy();
            other.waitFor();
        }
        assertNoFilterLeft();
    }

    @Test
    void anUnknownNetdevIsAClearErrorAndClosesTheMonitor() {
        assertThatThrownBy(() -> LiveCapture.start("lab", net.guest().qmpSocket(), "no-such-netdev"))
                .isInstanceOf(ChirpException.class).hasMessageContaining("no-such-netdev");
        assertNoFilterLeft(); // also proves the monitor was released
    }

    private static void assertNoFilterLeft() {
        try (QmpClient q = QmpClient.connect(net.guest().qmpSocket())) {
            JsonNode objects = q.execute("qom-list", Map.of("path", "/objects"));
            assertThat(objects.toString()).doesNotContain("chirp-dump");
        }
    }
}
