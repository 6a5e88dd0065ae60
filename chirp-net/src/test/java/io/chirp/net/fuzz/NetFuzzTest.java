package io.chirp.net.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.chirp.lab.fuzz.FuzzCheck;
import io.chirp.net.decode.Decoded;
import io.chirp.net.decode.PacketDecoder;
import io.chirp.net.decode.Slice;
import io.chirp.net.decode.Transport;
import io.chirp.net.flow.FlowTable;
import io.chirp.net.pcap.CaptureReader;
import io.chirp.net.pcap.LinkType;
import io.chirp.net.pcap.Packet;
import io.chirp.net.proto.AppData;
import io.chirp.net.proto.AppProtocols;
import io.chirp.net.proto.DnsParser;
import io.chirp.net.proto.HttpParser;
import io.chirp.net.proto.TlsParser;

import java.io.ByteArrayInputStream;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Coverage-guided fuzz targets for everything in chirp-net that reads capture bytes. Seeds (in
 * src/test/resources/io/chirp/net/fuzz/NetFuzzTestInputs/&lt;target&gt;/): real QEMU filter-dump output, pcap and
 * pcapng files, captures made with text2pcap (a DNS response over UDP/IPv4, HTTP over TCP/IPv6), their frames, a
 * JDK ClientHello, DNS messages; plus every input that once failed. {@link ParserFuzzTest} is the older seeded
 * mutation fuzzer over the same parsers.
 */
class NetFuzzTest {
    private static final int[] LINK_TYPES = {LinkType.ETHERNET, LinkType.RAW, LinkType.LINUX_SLL, LinkType.IPV4, LinkType.IPV6};

    /** A capture file: opens (or is refused as CORRUPT), streams every packet through the flow table. */
    @FuzzTest(maxDuration = "60s")
    void capture(byte[] data) {
        FuzzCheck.check("capture", data, () -> {
            try (CaptureReader r = CaptureReader.open(new ByteArrayInputStream(data), "fuzz")) {
                FlowTable t = new FlowTable(1000);
                long n = 0;
                for (Packet p = r.next(); p != null; p = r.next()) {
                    assertThat(p.data().length).isLessThanOrEqualTo(CaptureReader.MAX_PACKET);
                    assertThat(p.number()).isEqualTo(++n);
                    t.add(PacketDecoder.decode(p));
                }
                r.problem().ifPresent(why -> assertThat(why).as("an early end says why").isNotBlank());
                t.flows();
                assertThat(t.stats()).isNotNull();
            }
        });
    }

    /** One frame (first byte picks the link type): decoding never throws, a bad frame is a Malformed value. */
    @FuzzTest(maxDuration = "60s")
    void frame(byte[] data) {
        if (data.length == 0) return;
        int linkType = LINK_TYPES[(data[0] & 0xff) % LINK_TYPES.length];
        byte[] frame = java.util.Arrays.copyOfRange(data, 1, data.length);
        FuzzCheck.check("frame", data, () -> {
            Decoded d = PacketDecoder.decode(new Packet(1, 0, linkType, frame.length, frame));
            switch (d) {
                case Decoded.Malformed m -> assertThat(m.reason()).isNotBlank();
                case Decoded.IpPacket ip -> AppProtocols.inspect(ip.transport()).ifPresent(a -> assertThat(a.summary()).isNotNull());
                case Decoded.NonIp n -> { }
            }
        });
    }

    /** A DNS message: complete (every record the header counts) or marked partial. */
    @FuzzTest(maxDuration = "60s")
    void dns(byte[] data) {
        FuzzCheck.check("dns", data, () -> {
            Slice s = Slice.of(data);
            Optional<AppData.Dns> m = DnsParser.parse(s);
            if (data.length < 12) {
                assertThat(m).isEmpty();
                return;
            }
            AppData.Dns dns = m.orElseThrow();
            if (!dns.partial()) {
                assertThat(dns.questions()).as("questions of a complete message").hasSize(s.u16(4));
                assertThat(dns.answers()).as("answers of a complete message").hasSize(s.u16(6));
            }
            assertThat(dns.summary()).isNotNull();
            AppProtocols.inspect(new Transport.Udp(53, 40000, data.length, s));
        });
    }

    /** A TLS record: a ClientHello with its SNI and ALPN, or nothing. */
    @FuzzTest(maxDuration = "60s")
    void tls(byte[] data) {
        FuzzCheck.check("tls", data, () -> {
            Optional<AppData.TlsClientHello> h = TlsParser.parse(Slice.of(data));
            if (!TlsParser.looksLikeHandshake(Slice.of(data))) assertThat(h).isEmpty();
            h.ifPresent(x -> assertThat(x.summary()).startsWith("tls client hello"));
        });
    }

    /** An HTTP request head. */
    @FuzzTest(maxDuration = "60s")
    void http(byte[] data) {
        FuzzCheck.check("http", data, () -> HttpParser.parse(Slice.of(data)).ifPresent(r -> {
            assertThat(r.method()).isNotEmpty();
            assertThat(r.version()).startsWith("HTTP/1.");
        }));
    }
}
