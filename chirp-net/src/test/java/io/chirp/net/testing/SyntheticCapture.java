package io.chirp.net.testing;

import io.chirp.net.pcap.CaptureFormat;
import io.chirp.net.pcap.CaptureWriter;
import io.chirp.net.pcap.LinkType;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A capture with known content: a TCP connection carrying a real TLS ClientHello (made by the JDK's SSLEngine,
 * with SNI and ALPN), DNS over UDP with compressed names and A/AAAA/CNAME answers, HTTP over IPv6, a VLAN-tagged
 * UDP flow, ICMP echo, and a capture that starts with a SYN-ACK. Addresses are documentation ranges; nothing
 * here touches a network.
 */
public final class SyntheticCapture {
    public static final String SNI = "secret-c2.example.org";
    public static final String DNS_NAME = "beacon.example.com";
    public static final String DNS_CNAME = "cdn.example.net";
    public static final InetAddress GUEST = Frames.ip("10.0.2.15"), SERVER = Frames.ip("203.0.113.7"),
            RESOLVER = Frames.ip("10.0.2.3"), GUEST6 = Frames.ip("2001:db8::15"), SERVER6 = Frames.ip("2001:db8:1::80");

    private SyntheticCapture() {}

    /** Writes the capture to {@code file} in {@code format}; {@return the file} */
    public static Path write(Path file, CaptureFormat format) throws IOException {
        Frames f = build();
        try (OutputStream out = Files.newOutputStream(file); CaptureWriter w = CaptureWriter.create(out, format, LinkType.ETHERNET)) {
            f.packets().forEach(w::write);
        }
        return file;
    }

    public static Frames build() {
        Frames f = new Frames();
        // TLS: handshake, ClientHello, server data, FIN both ways.
        byte[] hello = clientHello(SNI);
        f.tcp(GUEST, 40000, SERVER, 443, 1000, 0, 0x02, new byte[0]);
        f.tcp(SERVER, 443, GUEST, 40000, 5000, 1001, 0x12, new byte[0]);
        f.tcp(GUEST, 40000, SERVER, 443, 1001, 5001, 0x10, new byte[0]);
        f.tcp(GUEST, 40000, SERVER, 443, 1001, 5001, 0x18, hello);
        f.tcp(SERVER, 443, GUEST, 40000, 5001, 1001 + hello.length, 0x18, new byte[300]);
        f.tcp(GUEST, 40000, SERVER, 443, 1001 + hello.length, 5301, 0x11, new byte[0]);
        f.tcp(SERVER, 443, GUEST, 40000, 5301, 1002 + hello.length, 0x11, new byte[0]);
        // DNS: query and response with a CNAME chain, compressed names.
        f.udp(GUEST, 53001, RESOLVER, 53, dnsQuery(0x4242, DNS_NAME, 1));
        f.udp(RESOLVER, 53, GUEST, 53001, dnsResponse(0x4242));
        f.udp(GUEST, 53002, RESOLVER, 53, dnsQuery(0x4343, DNS_NAME, 28));
        // HTTP over IPv6 on a non-standard port.
        f.tcp(GUEST6, 50000, SERVER6, 8080, 1, 0, 0x02, new byte[0]);
        f.tcp(SERVER6, 8080, GUEST6, 50000, 9, 2, 0x12, new byte[0]);
        f.tcp(GUEST6, 50000, SERVER6, 8080, 2, 10, 0x18,
                "GET /payload.bin?id=7 HTTP/1.1\r\nUser-Agent: x\r\nhost: dl.example.com\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        f.tcp(SERVER6, 8080, GUEST6, 50000, 10, 80, 0x14, new byte[0]);
        // VLAN-tagged UDP, both directions.
        f.udp(GUEST, 5000, SERVER, 6000, new byte[100], 42);
        f.udp(SERVER, 6000, GUEST, 5000, new byte[10], 42);
        // ICMP echo.
        f.icmpEcho(GUEST, Frames.ip("10.0.2.2"), false, 7, 1);
        f.icmpEcho(Frames.ip("10.0.2.2"), GUEST, true, 7, 1);
        // A connection seen from its SYN-ACK on: the server is still the SYN-ACK's sender.
        f.tcp(SERVER, 22, GUEST, 41000, 1, 2, 0x12, new byte[0]);
        f.tcp(GUEST, 41000, SERVER, 22, 2, 2, 0x10, new byte[0]);
        return f;
    }

    /** {@return the first TLS record a JDK client sends: a real ClientHello with SNI and ALPN} */
    public static byte[] clientHello(String sni) {
        try {
            SSLEngine e = SSLContext.getDefault().createSSLEngine(sni, 443);
            e.setUseClientMode(true);
            SSLParameters p = e.getSSLParameters();
            p.setServerNames(List.of(new SNIHostName(sni)));
            p.setApplicationProtocols(new String[] {"h2", "http/1.1"});
            e.setSSLParameters(p);
            ByteBuffer out = ByteBuffer.allocate(e.getSession().getPacketBufferSize());
            e.beginHandshake();
            e.wrap(ByteBuffer.allocate(0), out);
            out.flip();
            byte[] b = new byte[out.remaining()];
            out.get(b);
            return b;
        } catch (Exception ex) {
            throw new IllegalStateException("SSLEngine did not produce a ClientHello", ex);
        }
    }

    public static byte[] dnsQuery(int id, String name, int type) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(new byte[] {(byte) (id >> 8), (byte) id, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0});
        writeName(b, name);
        b.writeBytes(new byte[] {0, (byte) type, 0, 1});
        return b.toByteArray();
    }

    /** A response: question, CNAME to {@link #DNS_CNAME} (pointing back at the question), an A for it. */
    static byte[] dnsResponse(int id) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(new byte[] {(byte) (id >> 8), (byte) id, (byte) 0x81, (byte) 0x80, 0, 1, 0, 2, 0, 0, 0, 0});
        writeName(b, DNS_NAME);                                     // at offset 12
        b.writeBytes(new byte[] {0, 1, 0, 1});
        b.writeBytes(new byte[] {(byte) 0xc0, 12, 0, 5, 0, 1, 0, 0, 0x0e, 0x10});
        ByteArrayOutputStream target = new ByteArrayOutputStream();
        writeName(target, DNS_CNAME);
        int cnameAt = b.size() + 2;
        b.writeBytes(new byte[] {0, (byte) target.size()});
        b.writeBytes(target.toByteArray());
        b.writeBytes(new byte[] {(byte) 0xc0, (byte) cnameAt, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, (byte) 198, 51, 100, 23});
        return b.toByteArray();
    }

    private static void writeName(ByteArrayOutputStream b, String name) {
        for (String label : name.split("\\.")) {
            b.write(label.length());
            b.writeBytes(label.getBytes(StandardCharsets.US_ASCII));
        }
        b.write(0);
    }
}
