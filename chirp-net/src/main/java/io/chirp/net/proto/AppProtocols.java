package io.chirp.net.proto;

import io.chirp.net.decode.Slice;
import io.chirp.net.decode.Transport;

import java.util.Optional;

/**
 * Chooses the parser for a transport payload: DNS on port 53 (UDP, or TCP with its length prefix), and on any
 * TCP port an HTTP request or a TLS ClientHello recognised by their first bytes (servers move ports; content
 * does not lie about its framing as easily).
 */
public final class AppProtocols {
    private AppProtocols() {}

    /** {@return the metadata this segment or datagram carries in the clear, if any} */
    public static Optional<AppData> inspect(Transport t) {
        try {
            return switch (t) {
                case Transport.Udp u when u.srcPort() == 53 || u.dstPort() == 53 -> DnsParser.parse(u.payload()).map(d -> d);
                case Transport.Tcp tcp when tcp.payload().length() > 0 -> tcp(tcp);
                default -> Optional.empty();
            };
        } catch (Slice.Malformed e) {
            return Optional.empty(); // parsers catch their own; this is the last guard
        }
    }

    private static Optional<AppData> tcp(Transport.Tcp t) {
        Slice p = t.payload();
        if (TlsParser.looksLikeHandshake(p)) return TlsParser.parse(p).map(h -> h);
        if (HttpParser.looksLikeRequest(p)) return HttpParser.parse(p).map(h -> h);
        if ((t.srcPort() == 53 || t.dstPort() == 53) && p.has(0, 2) && p.u16(0) + 2 <= p.length()) {
            return DnsParser.parse(p.sub(2, p.u16(0))).map(d -> d);
        }
        return Optional.empty();
    }
}
