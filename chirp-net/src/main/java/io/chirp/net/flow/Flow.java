package io.chirp.net.flow;

import io.chirp.net.decode.Transport;
import io.chirp.net.proto.AppData;

import java.net.InetAddress;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A conversation between two endpoints over one transport protocol: a 5-tuple with its traffic each way.
 * "Client" is the side that opened it: the sender of the first packet seen, or for TCP the sender of a lone SYN
 * (a capture that starts with a SYN-ACK still names the right client).
 *
 * @param protocol   IP protocol number (6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6, ...)
 * @param client     the initiating endpoint
 * @param server     the responding endpoint
 * @param firstSeen  time of the first packet
 * @param lastSeen   time of the last packet
 * @param toServer   traffic from client to server
 * @param toClient   traffic from server to client
 * @param clientMac  the client's Ethernet address, if the capture has one
 * @param serverMac  the server's Ethernet address, if the capture has one
 * @param vlans      VLAN ids of the first packet, outermost first
 * @param metadata   protocol metadata seen in the clear, in capture order (at most {@link FlowTable#MAX_METADATA})
 */
public record Flow(int protocol, Endpoint client, Endpoint server, Instant firstSeen, Instant lastSeen,
                   Direction toServer, Direction toClient, Optional<String> clientMac, Optional<String> serverMac,
                   List<Integer> vlans, List<Observed> metadata) {

    /**
     * Traffic one way.
     *
     * @param packets      frames
     * @param bytes        frame bytes on the wire (as Wireshark's conversation table counts them)
     * @param payloadBytes transport payload bytes (TCP/UDP data, as the headers give it; 0 for other protocols)
     * @param tcpFlags     OR of the TCP flags sent this way ({@link Transport#SYN} ...)
     */
    public record Direction(long packets, long bytes, long payloadBytes, int tcpFlags) {
        public static final Direction NONE = new Direction(0, 0, 0, 0);

        /** {@return TCP flags as letters, e.g. "APSF"} */
        public String tcpFlagLetters() { return Transport.flagLetters(tcpFlags); }
    }

    /**
     * Metadata from one packet.
     *
     * @param frame      the frame number in the capture
     * @param time       its capture time
     * @param fromClient true if the client sent it
     */
    public record Observed(long frame, Instant time, boolean fromClient, AppData data) {}

    /** {@return "tcp", "udp", "icmp", "icmpv6" or the protocol number} */
    public String protocolName() {
        return switch (protocol) {
            case 6 -> "tcp";
            case 17 -> "udp";
            case 1 -> "icmp";
            case 58 -> "icmpv6";
            default -> Integer.toString(protocol);
        };
    }

    /** {@return packets both ways} */
    public long packets() { return toServer.packets() + toClient.packets(); }

    /** {@return frame bytes both ways} */
    public long bytes() { return toServer.bytes() + toClient.bytes(); }

    /**
     * {@return whether this flow is the traffic of a socket} with the given protocol, local and remote address and
     * port, in either orientation: the join key for attributing flows to guest processes. A wildcard local
     * address (0.0.0.0 or ::, a listening or unbound socket) matches any address.
     */
    public boolean matches(int protocol, InetAddress localIp, int localPort, InetAddress remoteIp, int remotePort) {
        if (protocol != this.protocol) return false;
        return same(client, localIp, localPort) && same(server, remoteIp, remotePort)
                || same(server, localIp, localPort) && same(client, remoteIp, remotePort);
    }

    private static boolean same(Endpoint e, InetAddress ip, int port) {
        return e.port() == port && (ip.isAnyLocalAddress() || e.ip().equals(ip));
    }

    /** {@return the endpoint with this Ethernet address (the VM's own side, given its MAC), if either has it} */
    public Optional<Endpoint> endpointWithMac(String mac) {
        if (clientMac.filter(mac::equalsIgnoreCase).isPresent()) return Optional.of(client);
        if (serverMac.filter(mac::equalsIgnoreCase).isPresent()) return Optional.of(server);
        return Optional.empty();
    }
}
