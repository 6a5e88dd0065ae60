package io.chirp.net.flow;

import io.chirp.core.IpText;

import java.net.InetAddress;

/** One end of a flow: an IP address and a port (0 for protocols without ports). */
public record Endpoint(InetAddress ip, int port) {
    /** {@return "10.0.2.15:37144", "[2001:db8::1]:443", or the bare address when the port is 0} */
    @Override public String toString() {
        String a = IpText.of(ip);
        if (port == 0) return a;
        return (a.indexOf(':') >= 0 ? "[" + a + "]" : a) + ":" + port;
    }

    /** {@return the address as text} */
    public String ipText() { return IpText.of(ip); }
}
