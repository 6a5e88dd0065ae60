package io.chirp.net.decode;

/** The transport layer of an IP packet, as far as it could be read. */
public sealed interface Transport {
    /** {@return the IP protocol number (6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6, ...)} */
    int protocol();

    /** TCP flag bits as on the wire (low byte) plus NS as bit 8. */
    int FIN = 0x01, SYN = 0x02, RST = 0x04, PSH = 0x08, ACK = 0x10, URG = 0x20, ECE = 0x40, CWR = 0x80, NS = 0x100;

    /** A TCP segment; {@code payload} is what the capture holds of its data (may be cut by the snap length). */
    record Tcp(int srcPort, int dstPort, long seq, long ack, int flags, int window, int payloadLength, Slice payload)
            implements Transport {
        @Override public int protocol() { return 6; }
    }

    /** A UDP datagram; {@code payloadLength} is from its header, {@code payload} what the capture holds. */
    record Udp(int srcPort, int dstPort, int payloadLength, Slice payload) implements Transport {
        @Override public int protocol() { return 17; }
    }

    /** ICMP (v4 or v6, by protocol number). */
    record Icmp(int protocol, int type, int code) implements Transport {}

    /** A protocol CHIRP does not decode, or a fragment after the first (which holds no transport header). */
    record Other(int protocol, boolean fragment) implements Transport {}

    /** A transport header that is cut short or inconsistent. */
    record Unreadable(int protocol, String reason) implements Transport {}

    /** {@return TCP flags as letters in Wireshark's order, e.g. "SA", "FA", "R"} */
    static String flagLetters(int flags) {
        StringBuilder sb = new StringBuilder();
        if ((flags & NS) != 0) sb.append('N');
        if ((flags & CWR) != 0) sb.append('C');
        if ((flags & ECE) != 0) sb.append('E');
        if ((flags & URG) != 0) sb.append('U');
        if ((flags & ACK) != 0) sb.append('A');
        if ((flags & PSH) != 0) sb.append('P');
        if ((flags & RST) != 0) sb.append('R');
        if ((flags & SYN) != 0) sb.append('S');
        if ((flags & FIN) != 0) sb.append('F');
        return sb.toString();
    }
}
