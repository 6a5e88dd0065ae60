package io.chirp.net.flow;

import io.chirp.net.pcap.CaptureFormat;
import io.chirp.net.proto.AppData;
import io.chirp.net.testing.FlowOracle;
import io.chirp.net.testing.Frames;
import io.chirp.net.testing.SyntheticCapture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Flows and metadata of a capture with known content, against tshark on the same file (pcap and pcapng). */
class FlowsOracleTest {
    @TempDir Path dir;

    @Test
    void flowsMatchTsharkFrameForFrameInBothFormats() throws Exception {
        for (CaptureFormat format : CaptureFormat.values()) {
            Path file = SyntheticCapture.write(dir.resolve("synthetic." + format.name().toLowerCase()), format);
            FlowReport r = Flows.read(file);
            assertThat(r.complete()).isTrue();
            assertThat(FlowOracle.chirpFlows(r)).as(format + " flows").isEqualTo(FlowOracle.tsharkFlows(file));
            assertThat(FlowOracle.chirpConversationFrames(r, 6)).isEqualTo(FlowOracle.tsharkConversationFrames(file, "tcp"));
            assertThat(FlowOracle.chirpConversationFrames(r, 17)).isEqualTo(FlowOracle.tsharkConversationFrames(file, "udp"));
            assertThat(FlowOracle.chirpNames(r)).as(format + " names").isEqualTo(FlowOracle.tsharkNames(file));
        }
    }

    @Test
    void theSyntheticCaptureHoldsWhatItClaims() throws Exception {
        // Guards the oracle test against comparing two empty results.
        FlowReport r = Flows.read(SyntheticCapture.write(dir.resolve("s.pcap"), CaptureFormat.PCAP));
        assertThat(r.flows()).hasSize(7);
        assertThat(FlowOracle.chirpNames(r).values()).anyMatch(v -> v.contains(SyntheticCapture.SNI))
                .anyMatch(v -> v.contains("dl.example.com|/payload.bin?id=7"))
                .anyMatch(v -> v.contains(SyntheticCapture.DNS_CNAME) && v.contains("198.51.100.23"));
    }

    @Test
    void directionsFlagsAndOrientation() throws Exception {
        FlowReport r = Flows.read(SyntheticCapture.write(dir.resolve("s.pcap"), CaptureFormat.PCAP));
        Flow tls = r.flows().getFirst();
        assertThat(tls.client().toString()).isEqualTo("10.0.2.15:40000");
        assertThat(tls.server().toString()).isEqualTo("203.0.113.7:443");
        assertThat(tls.toServer().packets()).isEqualTo(4);
        assertThat(tls.toClient().packets()).isEqualTo(3);
        assertThat(tls.toServer().tcpFlagLetters()).isEqualTo("APSF");
        assertThat(tls.toClient().tcpFlagLetters()).isEqualTo("APSF");
        assertThat(tls.toClient().payloadBytes()).isEqualTo(300);
        assertThat(tls.clientMac()).contains(Frames.macText(SyntheticCapture.GUEST));
        assertThat(tls.metadata()).singleElement().satisfies(o -> {
            assertThat(o.fromClient()).isTrue();
            assertThat(o.data()).isInstanceOfSatisfying(AppData.TlsClientHello.class, h -> {
                assertThat(h.serverName()).contains(SyntheticCapture.SNI);
                assertThat(h.alpn()).containsExactly("h2", "http/1.1");
                assertThat(h.partial()).isFalse();
            });
        });
        Flow ssh = r.flows().getLast();
        assertThat(ssh.client().port()).as("client of a flow first seen at its SYN-ACK").isEqualTo(41000);
        Flow vlan = r.flows().stream().filter(f -> f.server().port() == 6000).findFirst().orElseThrow();
        assertThat(vlan.vlans()).containsExactly(42);
        assertThat(vlan.toServer().payloadBytes()).isEqualTo(100);
        Flow v6 = r.flows().stream().filter(f -> f.server().port() == 8080).findFirst().orElseThrow();
        assertThat(v6.server().toString()).isEqualTo("[2001:db8:1::80]:8080");
        assertThat(tls.matches(6, SyntheticCapture.GUEST, 40000, SyntheticCapture.SERVER, 443)).isTrue();
        assertThat(tls.matches(6, SyntheticCapture.SERVER, 443, SyntheticCapture.GUEST, 40000)).isTrue();
        assertThat(tls.matches(17, SyntheticCapture.GUEST, 40000, SyntheticCapture.SERVER, 443)).isFalse();
        assertThat(tls.matches(6, Frames.ip("0.0.0.0"), 40000, SyntheticCapture.SERVER, 443)).isTrue();
    }
}
