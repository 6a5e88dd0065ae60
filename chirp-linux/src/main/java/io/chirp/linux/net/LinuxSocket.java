package io.chirp.linux.net;

import java.util.List;
import java.util.Set;

/**
 * A socket as the kernel holds it: a row of {@code sockets} (netstat / ss). Internet sockets fill the address
 * fields, Unix sockets the path. A socket found in a kernel hash table but in no process's descriptor table has
 * no owners: it is held by the kernel (a time-wait socket, an in-kernel user) or by something that hides it.
 *
 * @param family    "inet", "inet6", "unix", "netlink", "packet" or "af" + number
 * @param protocol  "tcp", "tcp6", "udp", "udp6" (as the /proc/net file that lists it), "unix", "raw", ... or "?"
 * @param type      "stream", "dgram", "seqpacket", "raw", ... ("?" for time-wait and request sockets)
 * @param state     state name: TCP names for Internet sockets (UDP: "UNCONN" or "ESTABLISHED"), for Unix sockets
 *                  LISTEN, CONNECTED, UNCONNECTED, CONNECTING, DISCONNECTING
 * @param stateCode the number /proc/net prints ("st" for TCP/UDP, "St" for Unix)
 * @param local     local address (IPv4 dotted, IPv6 RFC 5952), null for non-Internet sockets
 * @param localPort local port
 * @param remote    remote address, null for non-Internet sockets
 * @param remotePort remote port
 * @param path      Unix socket address ("@name" for the abstract namespace), null if unbound or not Unix
 * @param inode     socket inode number (the N of socket:[N]), 0 if the socket has no inode (time-wait)
 * @param owners    the processes holding it open, by descriptor
 * @param seenIn    where it was found
 * @param sock      address of the struct sock (or sock_common for time-wait and request sockets)
 * @param netns     inode number of its network namespace (net:[N]; skc_net), 0 if unreadable
 * @param problems  what could not be read
 */
public record LinuxSocket(String family, String protocol, String type, String state, int stateCode, String local,
                          int localPort, String remote, int remotePort, String path, long inode, List<Owner> owners,
                          Set<Origin> seenIn, long sock, long netns, List<String> problems) {
    public LinuxSocket {
        owners = List.copyOf(owners);
        seenIn = Set.copyOf(seenIn);
        problems = List.copyOf(problems);
    }

    /** A descriptor that refers to the socket. */
    public record Owner(int pid, String comm, int fd) {}

    /** Where a socket was found. */
    public enum Origin {
        /** a process's descriptor table */
        FD_TABLE,
        /** the kernel's own lookup tables (TCP established and listening hashes, UDP hash, Unix table) */
        KERNEL_TABLE
    }

    /** {@return true if no process holds the socket open (only the kernel's tables know of it)} */
    public boolean unowned() { return owners.isEmpty(); }

    /** {@return "addr:port" for the local end (IPv6 in brackets), or the Unix path} */
    public String localText() { return local == null ? path : endpoint(local, localPort); }

    /** {@return "addr:port" for the remote end, or null for non-Internet sockets} */
    public String remoteText() { return remote == null ? null : endpoint(remote, remotePort); }

    private static String endpoint(String addr, int port) {
        return (addr.contains(":") ? "[" + addr + "]" : addr) + ":" + port;
    }
}
