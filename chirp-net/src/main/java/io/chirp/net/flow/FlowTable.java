package io.chirp.net.flow;

import io.chirp.net.decode.Decoded;
import io.chirp.net.decode.Transport;
import io.chirp.net.pcap.Packet;
import io.chirp.net.proto.AppData;
import io.chirp.net.proto.AppProtocols;

import java.net.InetAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Folds decoded packets into flows keyed by (protocol, endpoint, endpoint), either direction. Bounded: at most
 * {@code maxFlows} flows (later new flows are counted as dropped) and {@link #MAX_METADATA} metadata items per
 * flow, so a capture crafted to open millions of flows costs a known amount of memory.
 */
public final class FlowTable {
    /** Default flow limit: about a million flows is a few hundred MiB at worst. */
    public static final int MAX_FLOWS = 1_000_000;
    public static final int MAX_METADATA = 256;

    /** Endpoints in a canonical order, so both directions find the same flow. */
    private record Key(int protocol, InetAddress a, int aPort, InetAddress b, int bPort) {
        static Key of(int protocol, InetAddress src, int sp, InetAddress dst, int dp) {
            int c = Arrays.compareUnsigned(src.getAddress(), dst.getAddress());
            if (c < 0 || c == 0 && sp <= dp) return new Key(protocol, src, sp, dst, dp);
            return new Key(protocol, dst, dp, src, sp);
        }
    }

    /** A flow being built. */
    private static final class Acc {
        final int protocol;
        Endpoint client, server;
        Optional<String> clientMac, serverMac;
        final List<Integer> vlans;
        long first, last;
        final long[] packets = new long[2], bytes = new long[2], payload = new long[2];
        final int[] flags = new int[2];
        final List<Flow.Observed> metadata = new ArrayList<>();

        Acc(int protocol, Endpoint client, Endpoint server, Decoded.Link link, long ts) {
            this.protocol = protocol;
            this.client = client;
            this.server = server;
            this.clientMac = link.srcMac();
            this.serverMac = link.dstMac();
            this.vlans = link.vlans();
            this.first = ts;
            this.last = ts;
        }

        void swap() {
            Endpoint e = client; client = server; server = e;
            Optional<String> m = clientMac; clientMac = serverMac; serverMac = m;
        }

        Flow toFlow() {
            return new Flow(protocol, client, server, instant(first), instant(last),
                    new Flow.Direction(packets[0], bytes[0], payload[0], flags[0]),
                    new Flow.Direction(packets[1], bytes[1], payload[1], flags[1]),
                    clientMac, serverMac, vlans, List.copyOf(metadata));
        }
    }

    private final int maxFlows;
    private final Map<Key, Acc> flows = new LinkedHashMap<>();
    private long packets, bytes, ipPackets, nonIp, malformed, fragments, dropped;

    public FlowTable() { this(MAX_FLOWS); }

    public FlowTable(int maxFlows) { this.maxFlows = maxFlows; }

    /** Adds one decoded frame. */
    public void add(Decoded d) {
        Packet p = d.packet();
        packets++;
        bytes += p.originalLength();
        switch (d) {
            case Decoded.NonIp n -> nonIp++;
            case Decoded.Malformed m -> malformed++;
            case Decoded.IpPacket ip -> addIp(ip);
        }
    }

    private void addIp(Decoded.IpPacket d) {
        Transport t = d.transport();
        int sp = 0, dp = 0, flags = 0;
        long payload = 0;
        switch (t) {
            case Transport.Unreadable u -> { malformed++; return; }
            case Transport.Other o when o.fragment() -> { fragments++; return; }
            case Transport.Tcp tcp -> { sp = tcp.srcPort(); dp = tcp.dstPort(); flags = tcp.flags(); payload = tcp.payloadLength(); }
            case Transport.Udp udp -> { sp = udp.srcPort(); dp = udp.dstPort(); payload = udp.payloadLength(); }
            default -> { }
        }
        ipPackets++;
        Decoded.Ip ip = d.ip();
        Key key = Key.of(t.protocol(), ip.src(), sp, ip.dst(), dp);
        long ts = d.packet().timestampNanos();
        Acc acc = flows.get(key);
        if (acc == null) {
            if (flows.size() >= maxFlows) {
                dropped++;
                return;
            }
            acc = new Acc(t.protocol(), new Endpoint(ip.src(), sp), new Endpoint(ip.dst(), dp), d.link(), ts);
            // A capture that starts mid-handshake: the SYN-ACK's sender is the server.
            if (t instanceof Transport.Tcp && (flags & (Transport.SYN | Transport.ACK)) == (Transport.SYN | Transport.ACK)) acc.swap();
            flows.put(key, acc);
        }
        boolean fromClient = acc.client.ip().equals(ip.src()) && acc.client.port() == sp;
        int dir = fromClient ? 0 : 1;
        acc.packets[dir]++;
        acc.bytes[dir] += d.packet().originalLength();
        acc.payload[dir] += payload;
        acc.flags[dir] |= flags;
        acc.first = Math.min(acc.first, ts);
        acc.last = Math.max(acc.last, ts);
        if (acc.metadata.size() < MAX_METADATA) {
            Optional<AppData> app = AppProtocols.inspect(t);
            if (app.isPresent()) {
                acc.metadata.add(new Flow.Observed(d.packet().number(), instant(ts), fromClient, app.get()));
            }
        }
    }

    /** {@return the flows so far, in order of first packet} */
    public List<Flow> flows() {
        List<Flow> out = new ArrayList<>(flows.size());
        for (Acc a : flows.values()) out.add(a.toFlow());
        return out;
    }

    /** {@return the counts so far} */
    public FlowReport.Stats stats() {
        return new FlowReport.Stats(packets, bytes, ipPackets, nonIp, malformed, fragments, dropped);
    }

    private static Instant instant(long nanos) {
        return Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L));
    }
}
