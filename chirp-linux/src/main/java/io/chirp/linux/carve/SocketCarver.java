package io.chirp.linux.carve;

import io.chirp.core.ChirpException;
import io.chirp.core.IpText;
import io.chirp.linux.Field;
import io.chirp.linux.Layout;
import io.chirp.linux.LinuxKernel;
import io.chirp.linux.net.LinuxSocket;
import io.chirp.linux.net.Sockets;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * sockscan: TCP sockets recovered from their slab caches ({@code TCP}, {@code TCPv6}), whether or not a descriptor
 * or a kernel lookup table still leads to them. The caches are {@code SLAB_TYPESAFE_BY_RCU}, so SLUB keeps its free
 * pointer outside the object and a freed socket keeps its addresses, ports and last state until the slot is reused:
 * closed connections stay readable for a while. UDP is not carved: its cache is mergeable, and merged away.
 *
 * <p>A slot is a socket only if it passes every structural check: the cache's address family, its own type and
 * protocol, a state that protocol has, a network namespace pointer that is {@code init_net} or a direct-map
 * address, and a port. Each is then placed against {@link Sockets}' listing (descriptors and kernel tables):
 * listed, closed (not listed, state CLOSE: freed or being freed) or hidden (not listed, yet in a live state, read
 * twice so one just created or just closed is not called hidden).
 */
public final class SocketCarver {
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final String[] TCP_STATES = {"?", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2",
            "TIME_WAIT", "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING", "NEW_SYN_RECV"};
    private static final int AF_INET = 2, AF_INET6 = 10, TCP_CLOSE = 7;

    /** What a carved socket is, against the kernel's own views. */
    public enum Status { LISTED, CLOSED, HIDDEN }

    /** A socket carved from slab memory. */
    public record CarvedSocket(String protocol, String state, int stateCode, String local, int localPort, String remote,
                               int remotePort, Status status, long sock) {
        /** {@return local address:port (IPv6 in brackets, as linux sockets writes it)} */
        public String localText() { return endpoint(local, localPort); }

        /** {@return remote address:port} */
        public String remoteText() { return endpoint(remote, remotePort); }

        private static String endpoint(String addr, int port) { return (addr.contains(":") ? "[" + addr + "]" : addr) + ":" + port; }
    }

    /** What a carve found; {@code problem} says why it is partial ("" when complete). */
    public record Result(List<CarvedSocket> sockets, long slots, boolean complete, String problem) {
        public Result { sockets = List.copyOf(sockets); }
    }

    /** A cache carved: its name, the protocol its sockets speak, sk_type, sk_protocol and address family. */
    private record Kind(String cache, String protocol, int type, int ipProtocol, int family) {}

    // UDP is not carved: udp_prot's cache is mergeable, so on a Debian 6.1 kernel no cache named UDP exists (its
    // sockets share the slabs of some other cache of the same size) and freed slots there keep no free pointer away
    private static final List<Kind> KINDS = List.of(new Kind("TCP", "tcp", 1, 6, AF_INET), new Kind("TCPv6", "tcp6", 1, 6, AF_INET6));

    private final LinuxKernel k;
    private final Slabs slabs;
    private final long family, state, num, dport, rcvSaddr, daddr, net, sport, v6Rcv, v6D;
    private final Field type, protocol;
    private final long directMapStart, directMapEnd, initNet;

    public SocketCarver(LinuxKernel k) {
        this.k = k;
        this.slabs = new Slabs(k);
        Layout l = k.layout();
        family = l.offset("sock_common", "skc_family");
        state = l.offset("sock_common", "skc_state");
        num = l.offset("sock_common", "skc_num");
        dport = l.offset("sock_common", "skc_dport");
        rcvSaddr = l.offset("sock_common", "skc_rcv_saddr");
        daddr = l.offset("sock_common", "skc_daddr");
        net = l.offset("sock_common", "skc_net");
        sport = l.offset("inet_sock", "inet_sport");
        v6Rcv = l.find("sock_common", "skc_v6_rcv_saddr").orElse(-1);
        v6D = l.find("sock_common", "skc_v6_daddr").orElse(-1);
        type = Field.of(l, "sock", "sk_type");
        protocol = Field.of(l, "sock", "sk_protocol");
        directMapStart = k.info().pageOffsetBase();
        directMapEnd = directMapStart + k.memory().limit();
        initNet = k.symbol("init_net");
    }

    /** Carves both caches and places each socket against the listing. */
    public Result carve() {
        List<String> problems = new ArrayList<>();
        List<CarvedSocket> found = new ArrayList<>();
        long slots = 0;
        for (Kind kind : KINDS) {
            Slabs.Cache c = slabs.cache(kind.cache()).orElse(null);
            if (c == null) {
                problems.add("no kmem_cache named " + kind.cache() + " (merged or absent): its sockets are not carved");
                continue;
            }
            Slabs.Scan scan = slabs.slabs(c);
            if (!scan.complete()) problems.add(kind.cache() + " slabs: " + scan.problem());
            Slabs.Visited v = slabs.objects(c, scan.slabs(), (seg, off, sk) -> {
                CarvedSocket cs = plausible(seg, off, sk, kind);
                if (cs != null) found.add(cs);
            });
            slots += v.slots();
            if (v.unreadable() > 0) problems.add(v.unreadable() + " " + kind.cache() + " slabs unreadable");
        }
        Set<Long> listed = listed(problems);
        Set<Long> again = null;
        List<CarvedSocket> out = new ArrayList<>();
        for (CarvedSocket s : found) {
            Status st;
            if (listed.contains(s.sock())) st = Status.LISTED;
            else if (s.stateCode() == TCP_CLOSE) st = Status.CLOSED;
            else {
                // created or closed since the listing? list once more, then read the socket itself again
                if (again == null) again = listed(new ArrayList<>());
                if (again.contains(s.sock())) st = Status.LISTED;
                else {
                    int now;
                    try {
                        now = k.reader().u8(s.sock() + state);
                    } catch (ChirpException e) {
                        now = -1;
                    }
                    st = now == TCP_CLOSE ? Status.CLOSED : now == s.stateCode() ? Status.HIDDEN : null;
                }
            }
            if (st != null) out.add(new CarvedSocket(s.protocol(), s.state(), s.stateCode(), s.local(), s.localPort(),
                    s.remote(), s.remotePort(), st, s.sock()));
        }
        String problem = String.join("; ", problems);
        return new Result(out, slots, problem.isEmpty(), problem);
    }

    private Set<Long> listed(List<String> problems) {
        Sockets.Listing l = new Sockets(k).list();
        if (!l.complete()) problems.add("socket listing: " + String.join("; ", l.problems()));
        Set<Long> out = new HashSet<>();
        for (LinuxSocket s : l.sockets()) out.add(s.sock());
        return out;
    }

    /** {@return the socket in the slot at {@code off}, or null when it is not one} */
    private CarvedSocket plausible(MemorySegment s, long off, long self, Kind kind) {
        int fam = s.get(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), off + family) & 0xffff;
        if (fam != kind.family() || fam == AF_INET6 && (v6Rcv < 0 || v6D < 0)) return null;
        int st = s.get(ValueLayout.JAVA_BYTE, off + state) & 0xff;
        if (kind.ipProtocol() == 6 ? st < 1 || st > 12 : st != 1 && st != TCP_CLOSE) return null;
        if (field(s, off, type) != kind.type() || field(s, off, protocol) != kind.ipProtocol()) return null;
        long n = s.get(U64, off + net);
        if (n != initNet && (Long.compareUnsigned(n, directMapStart) < 0 || Long.compareUnsigned(n, directMapEnd) >= 0
                || (n & 7) != 0)) {
            return null;
        }
        int lport = s.get(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), off + num) & 0xffff;
        // closing releases the bound port (inet_put_port zeroes skc_num); inet_sport, in network order, keeps it
        if (lport == 0) lport = Short.reverseBytes(s.get(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN),
                off + sport)) & 0xffff;
        int rport = Short.reverseBytes(s.get(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), off + dport))
                & 0xffff;
        if (lport == 0 && rport == 0) return null;
        String local = fam == AF_INET6 ? ip6(s, off + v6Rcv) : ip(s.get(U32, off + rcvSaddr));
        String remote = fam == AF_INET6 ? ip6(s, off + v6D) : ip(s.get(U32, off + daddr));
        String name = kind.ipProtocol() == 6 ? TCP_STATES[st] : st == 1 ? "ESTABLISHED" : "CLOSE";
        return new CarvedSocket(kind.protocol(), name, st, local, lport, remote, rport, null, self);
    }

    private static long field(MemorySegment s, long off, Field f) {
        long v = switch (f.size()) {
            case 1 -> s.get(ValueLayout.JAVA_BYTE, off + f.offset()) & 0xffL;
            case 2 -> s.get(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), off + f.offset()) & 0xffffL;
            case 4 -> s.get(U32, off + f.offset()) & 0xffff_ffffL;
            default -> s.get(U64, off + f.offset());
        };
        return f.bits() == 0 ? v : (v >>> f.shift()) & (f.bits() == 64 ? -1L : (1L << f.bits()) - 1);
    }

    private static String ip6(MemorySegment s, long at) {
        return IpText.of(s.asSlice(at, 16).toArray(ValueLayout.JAVA_BYTE));
    }

    /** {@return an IPv4 address stored in network order, read as a little-endian int} */
    private static String ip(int le) {
        return IpText.of(new byte[] {(byte) le, (byte) (le >>> 8), (byte) (le >>> 16), (byte) (le >>> 24)});
    }
}
