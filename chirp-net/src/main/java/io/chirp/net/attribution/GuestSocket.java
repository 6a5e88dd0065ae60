package io.chirp.net.attribution;

import java.util.List;

/**
 * A socket of the guest as its kernel holds it, with the processes that own it.
 *
 * @param protocol   6 (TCP) or 17 (UDP)
 * @param localIp    local address as text (IPv4 or IPv6; v4-mapped IPv6 is accepted)
 * @param localPort  local port
 * @param remoteIp   remote address, or null for a listening/unconnected socket
 * @param remotePort remote port (0 if none)
 * @param listening  true for a TCP listener or an unconnected UDP socket
 * @param owners     the owning processes
 */
public record GuestSocket(int protocol, String localIp, int localPort, String remoteIp, int remotePort, boolean listening,
                          List<Owner> owners) {
    public GuestSocket {
        owners = List.copyOf(owners);
    }

    /** An owning process. */
    public record Owner(int pid, String name, String cmdLine) {}
}
