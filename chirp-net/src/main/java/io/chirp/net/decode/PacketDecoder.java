package io.chirp.net.decode;

import io.chirp.core.IpText;
import io.chirp.net.pcap.LinkType;
import io.chirp.net.pcap.Packet;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Decodes frames: Ethernet (with up to {@link #MAX_VLAN_TAGS} VLAN tags), Linux cooked and raw IP link types;
 * IPv4 and IPv6 (with up to {@link #MAX_IPV6_EXTENSIONS} extension headers); TCP, UDP, ICMP and ICMPv6.
 * Tunnels are not followed: a frame is one IP packet.
 *
 * <p>Lengths in headers are cross-checked against what the capture holds: an IP total length beyond the
 * captured bytes marks the packet truncated (snap length) and the payload is what is there; a length shorter
 * than the frame drops the Ethernet padding, as Wireshark does.
 */
public final class PacketDecoder {
    public static final int MAX_VLAN_TAGS = 4;
    public static final int MAX_IPV6_EXTENSIONS = 8;

    private PacketDecoder() {}

    /** {@return what the frame is} */
    public static Decoded decode(Packet p) {
        Slice frame = Slice.of(p.data());
        String layer = "link";
        try {
            Decoded.Link link;
            int etherType;
            Slice rest;
            switch (p.linkType()) {
                case LinkType.ETHERNET -> {
                    String dst = mac(frame, 0), src = mac(frame, 6);
                    int at = 12;
                    etherType = frame.u16(at);
                    List<Integer> vlans = new ArrayList<>();
                    while (etherType == 0x8100 || etherType == 0x88a8 || etherType == 0x9100) {
                        if (vlans.size() == MAX_VLAN_TAGS) return new Decoded.Malformed(p, "vlan", "more than " + MAX_VLAN_TAGS + " VLAN tags");
                        vlans.add(frame.u16(at + 2) & 0x0fff);
                        at += 4;
                        etherType = frame.u16(at);
                    }
                    link = new Decoded.Link(Optional.of(src), Optional.of(dst), List.copyOf(vlans));
                    rest = frame.from(at + 2);
                    if (etherType < 0x0600) return new Decoded.NonIp(p, link, 0);
                }
                case LinkType.LINUX_SLL -> {
                    etherType = frame.u16(14);
                    link = Decoded.Link.NONE;
                    rest = frame.from(16);
                }
                case LinkType.RAW, LinkType.IPV4, LinkType.IPV6 -> {
                    int v = frame.u8(0) >> 4;
                    etherType = v == 4 ? 0x0800 : v == 6 ? 0x86dd : -1;
                    if (etherType < 0) return new Decoded.Malformed(p, "ip", "raw IP frame with version " + v);
                    link = Decoded.Link.NONE;
                    rest = frame;
                }
                default -> {
                    return new Decoded.Malformed(p, "link", "link type " + p.linkType() + " not decoded");
                }
            }
            layer = "ip";
            return switch (etherType) {
                case 0x0800 -> ipv4(p, link, rest);
                case 0x86dd -> ipv6(p, link, rest);
                default -> new Decoded.NonIp(p, link, etherType);
            };
        } catch (Slice.Malformed e) {
            return new Decoded.Malformed(p, layer, e.getMessage());
        }
    }

    private static Decoded ipv4(Packet p, Decoded.Link link, Slice s) {
        int vihl = s.u8(0);
        if (vihl >> 4 != 4) return new Decoded.Malformed(p, "ipv4", "version " + (vihl >> 4) + " in an IPv4 frame");
        int ihl = (vihl & 0x0f) * 4;
        if (ihl < 20) return new Decoded.Malformed(p, "ipv4", "header length " + ihl);
        if (!s.has(0, ihl)) return new Decoded.Malformed(p, "ipv4", "header cut short");
        int total = s.u16(2);
        if (total < ihl) return new Decoded.Malformed(p, "ipv4", "total length " + total + " < header length " + ihl);
        boolean truncated = total > s.length();
        Slice packet = s.head(total);
        int fragField = s.u16(6);
        boolean moreFragments = (fragField & 0x2000) != 0;
        int fragOffset = fragField & 0x1fff;
        int protocol = s.u8(9);
        Decoded.Ip ip = new Decoded.Ip(4, IpText.address(s.bytes(12, 4)), IpText.address(s.bytes(16, 4)), protocol,
                s.u8(8), moreFragments || fragOffset != 0, truncated);
        if (fragOffset != 0) return new Decoded.IpPacket(p, link, ip, new Transport.Other(protocol, true));
        return new Decoded.IpPacket(p, link, ip, transport(protocol, packet.from(ihl), total - ihl));
    }

    private static Decoded ipv6(Packet p, Decoded.Link link, Slice s) {
        if (s.u8(0) >> 4 != 6) return new Decoded.Malformed(p, "ipv6", "version " + (s.u8(0) >> 4) + " in an IPv6 frame");
        if (!s.has(0, 40)) return new Decoded.Malformed(p, "ipv6", "header cut short");
        int payloadLength = s.u16(4);
        // Zero means a jumbogram (hop-by-hop option): take what was captured.
        int claimed = payloadLength == 0 ? s.length() - 40 : payloadLength;
        boolean truncated = 40 + claimed > s.length();
        Slice body = s.head(40 + claimed).from(40);
        int next = s.u8(6);
        int at = 0;
        boolean fragment = false;
        for (int n = 0; ; n++) {
            if (n > MAX_IPV6_EXTENSIONS) return new Decoded.Malformed(p, "ipv6", "more than " + MAX_IPV6_EXTENSIONS + " extension headers");
            if (next == 0 || next == 43 || next == 60) {
                int len = (body.u8(at + 1) + 1) * 8;
                next = body.u8(at);
                at += len;
            } else if (next == 44) {
                int off = body.u16(at + 2) >> 3;
                fragment = true;
                next = body.u8(at);
                at += 8;
                if (off != 0) {
                    Decoded.Ip ip = ip6(s, next, true, truncated);
                    return new Decoded.IpPacket(p, link, ip, new Transport.Other(next, true));
                }
            } else if (next == 51) {
                int len = (body.u8(at + 1) + 2) * 4;
                next = body.u8(at);
                at += len;
            } else {
                break;
            }
            if (!body.has(at, 0)) return new Decoded.Malformed(p, "ipv6", "extension header runs past the packet");
        }
        Decoded.Ip ip = ip6(s, next, fragment, truncated);
        return new Decoded.IpPacket(p, link, ip, transport(next, body.from(at), claimed - at));
    }

    private static Decoded.Ip ip6(Slice s, int protocol, boolean fragment, boolean truncated) {
        return new Decoded.Ip(6, IpText.address(s.bytes(8, 16)), IpText.address(s.bytes(24, 16)), protocol, s.u8(7),
                fragment, truncated);
    }

    /** @param s what was captured of the IP payload; {@code claimedLength} what the IP header says it holds */
    private static Transport transport(int protocol, Slice s, int claimedLength) {
        try {
            return switch (protocol) {
                case 6 -> {
                    int off = (s.u8(12) >> 4) * 4;
                    if (off < 20) yield new Transport.Unreadable(6, "TCP header length " + off);
                    if (!s.has(0, off)) yield new Transport.Unreadable(6, "TCP header cut short");
                    if (claimedLength < off) yield new Transport.Unreadable(6, "TCP header longer than its IP packet");
                    int flags = s.u8(13) | ((s.u8(12) & 1) << 8);
                    yield new Transport.Tcp(s.u16(0), s.u16(2), s.u32(4), s.u32(8), flags, s.u16(14), claimedLength - off, s.from(off));
                }
                case 17 -> {
                    int len = s.u16(4);
                    if (len < 8) yield new Transport.Unreadable(17, "UDP length " + len);
                    Slice payload = s.from(8).head(len - 8);
                    yield new Transport.Udp(s.u16(0), s.u16(2), len - 8, payload);
                }
                case 1, 58 -> new Transport.Icmp(protocol, s.u8(0), s.u8(1));
                default -> new Transport.Other(protocol, false);
            };
        } catch (Slice.Malformed e) {
            return new Transport.Unreadable(protocol, e.getMessage());
        }
    }

    private static String mac(Slice s, int at) {
        StringBuilder sb = new StringBuilder(17);
        for (int i = 0; i < 6; i++) {
            if (i > 0) sb.append(':');
            int b = s.u8(at + i);
            sb.append(Character.forDigit(b >> 4, 16)).append(Character.forDigit(b & 15, 16));
        }
        return sb.toString();
    }
}
