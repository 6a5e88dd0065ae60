package io.chirp.events.build;

import java.util.Objects;

/**
 * One end of a connection.
 *
 * @param ip   address as text (IPv4 or IPv6, as read from the guest's socket)
 * @param port TCP/UDP port
 */
public record Endpoint(String ip, int port) {
    public Endpoint {
        Objects.requireNonNull(ip, "ip");
        if (port < 0 || port > 65535) throw new IllegalArgumentException("port out of range: " + port);
    }
}
