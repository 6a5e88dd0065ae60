package io.chirp.net.attribution;

import io.chirp.net.flow.Flow;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Joins flows with guest sockets. An exact match on the 5-tuple (either way round) names the connection's owner;
 * failing that, a listener on the flow's server port names the service that accepted it (the connection itself
 * may be gone by the time memory is read). Everything else stays unattributed, and says so.
 */
public final class Attribution {
    /** How a flow was matched. */
    public enum Match {
        /** The guest still holds this very connection. */
        CONNECTION,
        /** The guest's kernel still knows the connection (TIME_WAIT, say) but no process holds it any more. */
        KERNEL,
        /** Only the guest's listener on the server port is left. */
        LISTENER,
        /** No socket of the guest matches (closed before memory was read, or not the guest's traffic). */
        NONE
    }

    /** A flow with its owner, if found. */
    public record Attributed(Flow flow, Match match, Optional<GuestSocket> socket) {
        /** {@return the first owning process, if any} */
        public Optional<GuestSocket.Owner> owner() {
            return socket.flatMap(s -> s.owners().stream().findFirst());
        }
    }

    private Attribution() {}

    public static List<Attributed> join(List<Flow> flows, List<GuestSocket> sockets) {
        List<Attributed> out = new ArrayList<>(flows.size());
        for (Flow f : flows) out.add(attribute(f, sockets));
        return out;
    }

    static Attributed attribute(Flow f, List<GuestSocket> sockets) {
        for (GuestSocket s : sockets) {
            if (s.listening() || s.remoteIp() == null || s.protocol() != f.protocol()) continue;
            InetAddress l = address(s.localIp()), r = address(s.remoteIp());
            if (l != null && r != null && f.matches(s.protocol(), l, s.localPort(), r, s.remotePort())) {
                return new Attributed(f, s.owners().isEmpty() ? Match.KERNEL : Match.CONNECTION, Optional.of(s));
            }
        }
        for (GuestSocket s : sockets) {
            if (!s.listening() || s.protocol() != f.protocol() || s.localPort() != f.server().port()) continue;
            InetAddress l = address(s.localIp());
            if (l == null || l.isAnyLocalAddress() || l.equals(f.server().ip())) {
                return new Attributed(f, Match.LISTENER, Optional.of(s));
            }
        }
        return new Attributed(f, Match.NONE, Optional.empty());
    }

    /** Parses an address, folding IPv4-mapped IPv6 (dual-stack sockets) to IPv4 as it appears on the wire. */
    static InetAddress address(String text) {
        if (text == null) return null;
        try {
            InetAddress a = InetAddress.getByName(text.startsWith("[") ? text.substring(1, text.length() - 1) : text);
            byte[] b = a.getAddress();
            if (b.length == 16) {
                boolean mapped = true;
                for (int i = 0; i < 10; i++) mapped &= b[i] == 0;
                mapped &= b[10] == (byte) 0xff && b[11] == (byte) 0xff;
                if (mapped) return InetAddress.getByAddress(new byte[] {b[12], b[13], b[14], b[15]});
            }
            return a;
        } catch (UnknownHostException e) {
            return null;
        }
    }
}
