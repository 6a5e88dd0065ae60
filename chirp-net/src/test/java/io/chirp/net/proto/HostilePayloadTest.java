package io.chirp.net.proto;

import io.chirp.net.decode.Decoded;
import io.chirp.net.decode.PacketDecoder;
import io.chirp.net.decode.Slice;
import io.chirp.net.decode.Transport;
import io.chirp.net.pcap.LinkType;
import io.chirp.net.pcap.Packet;
import io.chirp.net.testing.Frames;
import io.chirp.net.testing.SyntheticCapture;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/** Crafted attacks on each length field the parsers meet: each must end as a bounded, marked result. */
class HostilePayloadTest {
    @Test
    void dnsPointerLoopEndsAsPartialNotAHang() {
        byte[] m = {0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, (byte) 0xc0, 12, 0, 1, 0, 1}; // name points at itself
        AppData.Dns d = DnsParser.parse(Slice.of(m)).orElseThrow();
        assertThat(d.partial()).isTrue();
        assertThat(d.questions()).isEmpty();
    }

    @Test
    void dnsHeaderCountsAreNotTrusted() {
        byte[] q = SyntheticCapture.dnsQuery(7, "a.example", 1);
        q[4] = (byte) 0xff; q[5] = (byte) 0xff; q[6] = (byte) 0xff; q[7] = (byte) 0xff;
        AppData.Dns d = DnsParser.parse(Slice.of(q)).orElseThrow();
        assertThat(d.questions()).extracting(AppData.DnsQuestion::name).containsExactly("a.example");
        assertThat(d.partial()).isTrue();
    }

    @Test
    void dnsNamesLongerThan255AreRefused() {
        byte[] m = new byte[12 + 5 * 64 + 5];
        m[5] = 1;
        int at = 12;
        for (int i = 0; i < 5; i++) {
            m[at] = 63;
            Arrays.fill(m, at + 1, at + 64, (byte) 'a');
            at += 64;
        }
        assertThat(DnsParser.parse(Slice.of(m)).orElseThrow().partial()).isTrue();
    }

    @Test
    void dnsOddBytesInLabelsAreEscaped() {
        byte[] m = {0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 3, 'a', 0x1b, '.', 0, 0, 1, 0, 1};
        assertThat(DnsParser.parse(Slice.of(m)).orElseThrow().questions().getFirst().name()).isEqualTo("a\\027\\.");
    }

    @Test
    void tlsLengthsBeyondTheirParentsMarkPartial() {
        byte[] hello = SyntheticCapture.clientHello("x.example");
        byte[] cut = Arrays.copyOf(hello, 80);
        AppData.TlsClientHello h = TlsParser.parse(Slice.of(cut)).orElseThrow();
        assertThat(h.partial()).isTrue();
        assertThat(h.serverName()).isEmpty();
        byte[] lying = hello.clone();
        lying[3] = (byte) 0xff; lying[4] = (byte) 0xff;                   // record length 65535 > 2^14 + 2048
        assertThat(TlsParser.parse(Slice.of(lying))).isEmpty();
        assertThat(TlsParser.parse(Slice.of(hello)).orElseThrow().serverName()).contains("x.example");
    }

    @Test
    void httpNeedsARealRequestLine() {
        assertThat(HttpParser.parse(Slice.of("GET\r\n\r\n".getBytes(StandardCharsets.US_ASCII)))).isEmpty();
        assertThat(HttpParser.parse(Slice.of("GET / SMTP/1.0\r\n".getBytes(StandardCharsets.US_ASCII)))).isEmpty();
        assertThat(HttpParser.parse(Slice.of("GET / HTTP/1.1".getBytes(StandardCharsets.US_ASCII)))).as("no line end").isEmpty();
        byte[] big = ("GET / HTTP/1.0\r\n" + "X: y\r\n".repeat(5000) + "Host: late\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        assertThat(HttpParser.parse(Slice.of(big)).orElseThrow().host()).as("beyond the bounded head").isEmpty();
    }

    @Test
    void ipHeadersThatLieAreMalformedOrTruncated() {
        byte[] f = Frames.ethernet(Frames.ip("10.0.0.1"), Frames.ip("10.0.0.2"), 17, new byte[] {0, 1, 0, 2, 0, 12, 0, 0, 1, 2, 3, 4});
        byte[] badIhl = f.clone();
        badIhl[14] = 0x43;
        assertThat(PacketDecoder.decode(packet(badIhl))).isInstanceOf(Decoded.Malformed.class);
        byte[] longTotal = f.clone();
        longTotal[16] = 0x7f;                                              // total length 0x7fxx, far beyond the frame
        Decoded d = PacketDecoder.decode(packet(longTotal));
        assertThat(d).isInstanceOfSatisfying(Decoded.IpPacket.class, ip -> assertThat(ip.ip().truncated()).isTrue());
        byte[] badUdp = f.clone();
        badUdp[14 + 20 + 5] = 3;                                           // UDP length 3 < 8
        assertThat(((Decoded.IpPacket) PacketDecoder.decode(packet(badUdp))).transport()).isInstanceOf(Transport.Unreadable.class);
        assertThat(PacketDecoder.decode(packet(Arrays.copyOf(f, 20)))).isInstanceOf(Decoded.Malformed.class);
    }

    @Test
    void ipv6ExtensionChainsAreBounded() {
        byte[] l4 = new byte[8 * 12];
        for (int i = 0; i < 12; i++) l4[i * 8] = 0;                      // 12 hop-by-hop headers, each pointing at another
        byte[] f = Frames.ethernet(Frames.ip("2001:db8::1"), Frames.ip("2001:db8::2"), 0, l4);
        assertThat(PacketDecoder.decode(packet(f))).isInstanceOfSatisfying(Decoded.Malformed.class,
                m -> assertThat(m.reason()).contains("extension headers"));
    }

    private static Packet packet(byte[] f) { return new Packet(1, 0, LinkType.ETHERNET, f.length, f); }
}
