/**
 * Frame decoding: link layer, IP and transport headers, turned into {@link io.chirp.net.decode.Decoded} values.
 *
 * <pre>
 *   Packet --PacketDecoder.decode--> IpPacket(Link, Ip, Transport: Tcp | Udp | Icmp | Other | Unreadable)
 *                                   | NonIp (ARP, ...) | Malformed(layer, reason)
 * </pre>
 *
 * All reads go through {@link io.chirp.net.decode.Slice}, which refuses to leave its window: a length field in a
 * packet can shrink what a parser sees but never make it read outside the layer it belongs to.
 */
package io.chirp.net.decode;
