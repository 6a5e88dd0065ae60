package io.chirp.net.decode;

import io.chirp.net.pcap.Packet;

import java.net.InetAddress;
import java.util.List;
import java.util.Optional;

/** What a frame turned out to be. Decoding never throws: a bad frame is a {@link Malformed} value. */
public sealed interface Decoded {
    /** {@return the frame decoded} */
    Packet packet();

    /**
     * The link layer: Ethernet addresses (empty for raw IP captures) and 802.1Q/802.1ad VLAN ids, outermost first.
     */
    record Link(Optional<String> srcMac, Optional<String> dstMac, List<Integer> vlans) {
        public static final Link NONE = new Link(Optional.empty(), Optional.empty(), List.of());
    }

    /**
     * The IP header.
     *
     * @param version   4 or 6
     * @param protocol  the transport protocol number (after IPv6 extension headers)
     * @param fragment  true if this packet is part of a fragmented datagram
     * @param truncated true if the capture holds less than the header's total length says
     */
    record Ip(int version, InetAddress src, InetAddress dst, int protocol, int ttl, boolean fragment, boolean truncated) {}

    /** An IPv4 or IPv6 packet. */
    record IpPacket(Packet packet, Link link, Ip ip, Transport transport) implements Decoded {}

    /** A frame that carries something else (ARP, LLDP, ...), by EtherType (0 for 802.3 length frames). */
    record NonIp(Packet packet, Link link, int etherType) implements Decoded {}

    /** A frame that could not be decoded, with the layer that failed and why. */
    record Malformed(Packet packet, String layer, String reason) implements Decoded {}
}
