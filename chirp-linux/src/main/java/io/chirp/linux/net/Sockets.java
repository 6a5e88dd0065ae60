package io.chirp.linux.net;

import io.chirp.core.IpText;
import io.chirp.core.ChirpException;
import io.chirp.linux.Field;
import io.chirp.linux.KernelReader;
import io.chirp.linux.Layout;
import io.chirp.linux.LinuxKernel;
import io.chirp.linux.LinuxProcess;
import io.chirp.linux.Processes;
import io.chirp.linux.Walk;
import io.chirp.linux.fs.FdTable;
import io.chirp.linux.fs.KernelFiles;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Every socket, from two views joined on the {@code struct sock}: the processes' descriptor tables (a socket file
 * has {@code f_op == &socket_file_ops} and {@code private_data} is its {@code struct socket}) and the kernel's own
 * lookup tables ({@link KernelSocketTables}). A socket only the kernel tables know of is listed with no owner.
 */
public final class Sockets {
    private static final String[] TCP_STATES = {"?", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2",
            "TIME_WAIT", "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING", "NEW_SYN_RECV"};
    private static final String[] TYPES = {"?", "stream", "dgram", "raw", "rdm", "seqpacket", "dccp"};
    private static final int AF_UNIX = 1, AF_INET = 2, AF_INET6 = 10;
    private static final int TCP_ESTABLISHED = 1, TCP_TIME_WAIT = 6, TCP_CLOSE = 7, TCP_LISTEN = 10, TCP_NEW_SYN_RECV = 12;
    private static final int SO_ACCEPTCON = 0x10000;

    /**
     * The sockets found and what kept the listing from being complete.
     *
     * @param sockets  the rows, Internet sockets first, then Unix, then others
     * @param complete true if the task list, every descriptor table and every kernel table were read to the end
     * @param problems one line per incomplete part
     */
    public record Listing(List<LinuxSocket> sockets, boolean complete, List<String> problems) {
        public Listing {
            sockets = List.copyOf(sockets);
            problems = List.copyOf(problems);
        }
    }

    /** What is known of one socket before its struct sock is read. */
    private static final class Seen {
        final List<LinuxSocket.Owner> owners = new ArrayList<>();
        final Set<LinuxSocket.Origin> origins = EnumSet.noneOf(LinuxSocket.Origin.class);
        long inode;
        String table;
    }

    private final LinuxKernel k;
    private final KernelReader r;

    /** {@return the inode number of the network namespace of {@code sk} (sock_common.skc_net), 0 if unreadable} */
    private long netns(long sk, List<String> problems) {
        try {
            long net = r.u64(sk + k.layout().offset("sock_common", "skc_net"));
            return Integer.toUnsignedLong(r.u32(net + k.layout().offset("net", "ns.inum")));
        } catch (ChirpException e) {
            problems.add("netns: " + e.getMessage());
            return 0;
        }
    }
    private final Processes processes;
    private final FdTable fdTable;
    private final KernelFiles files;
    private final KernelSocketTables tables;
    private final long socketSk, skcFamily, skcState, skcNum, skcDport, skcRcvSaddr, skcDaddr, skcV6Rcv, skcV6D;
    private final long skSocket, allocSocket, allocInode, iIno, unixAddr, uaLen, uaName;
    private final Field skType, skProtocol;

    public Sockets(LinuxKernel k) {
        this.k = k;
        this.r = k.reader();
        this.processes = new Processes(k);
        this.fdTable = new FdTable(k);
        this.files = new KernelFiles(k);
        this.tables = new KernelSocketTables(k);
        Layout l = k.layout();
        socketSk = l.offset("socket", "sk");
        skcFamily = l.offset("sock_common", "skc_family");
        skcState = l.offset("sock_common", "skc_state");
        skcNum = l.offset("sock_common", "skc_num");
        skcDport = l.offset("sock_common", "skc_dport");
        skcRcvSaddr = l.offset("sock_common", "skc_rcv_saddr");
        skcDaddr = l.offset("sock_common", "skc_daddr");
        skcV6Rcv = l.find("sock_common", "skc_v6_rcv_saddr").orElse(-1);
        skcV6D = l.find("sock_common", "skc_v6_daddr").orElse(-1);
        skSocket = l.offset("sock", "sk_socket");
        allocSocket = l.offset("socket_alloc", "socket");
        allocInode = l.offset("socket_alloc", "vfs_inode");
        iIno = l.offset("inode", "i_ino");
        unixAddr = l.offset("unix_sock", "addr");
        uaLen = l.offset("unix_address", "len");
        uaName = l.offset("unix_address", "name");
        skType = Field.of(l, "sock", "sk_type");
        skProtocol = Field.of(l, "sock", "sk_protocol");
    }

    /** Lists every socket held by a process or by the kernel's lookup tables. */
    public Listing list() {
        Map<Long, Seen> seen = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        fromDescriptors(seen, problems);
        KernelSocketTables.Found found = tables.walk();
        problems.addAll(found.problems());
        found.sockets().forEach((sk, table) -> {
            Seen s = seen.computeIfAbsent(sk, x -> new Seen());
            s.origins.add(LinuxSocket.Origin.KERNEL_TABLE);
            s.table = table;
        });
        List<LinuxSocket> out = new ArrayList<>();
        for (Map.Entry<Long, Seen> e : seen.entrySet()) {
            try {
                out.add(read(e.getKey(), e.getValue()));
            } catch (ChirpException ex) {
                problems.add("socket at 0x" + Long.toHexString(e.getKey()) + " unreadable: " + ex.getMessage());
            }
        }
        out.sort(Comparator.comparingInt((LinuxSocket s) -> rank(s.family())).thenComparing(LinuxSocket::protocol)
                .thenComparingInt(LinuxSocket::localPort).thenComparingLong(LinuxSocket::inode));
        return new Listing(out, problems.isEmpty(), problems);
    }

    private void fromDescriptors(Map<Long, Seen> seen, List<String> problems) {
        Walk w = processes.allLeaders();
        if (!w.complete()) problems.add("task list: " + w.problem());
        for (long task : w.items()) {
            LinuxProcess p;
            try {
                p = processes.read(task, false);
            } catch (ChirpException e) {
                problems.add("task at 0x" + Long.toHexString(task) + " unreadable: " + e.getMessage());
                continue;
            }
            if (p.kernelThread()) continue;
            FdTable.Slots slots = fdTable.of(task);
            if (!slots.complete()) problems.add("pid " + p.pid() + ": " + slots.problem());
            for (FdTable.Slot slot : slots.slots()) {
                if (!files.isSocket(slot.file())) continue;
                try {
                    long sk = r.u64(files.socketOf(slot.file()) + socketSk);
                    if (sk == 0) continue; // a socket being torn down: no protocol state left to show
                    Seen s = seen.computeIfAbsent(sk, x -> new Seen());
                    s.owners.add(new LinuxSocket.Owner(p.pid(), p.comm(), slot.fd()));
                    s.origins.add(LinuxSocket.Origin.FD_TABLE);
                    s.inode = files.inodeNumber(slot.file()).orElse(0L);
                } catch (ChirpException e) {
                    problems.add("pid " + p.pid() + " fd " + slot.fd() + ": socket unreadable: " + e.getMessage());
                }
            }
        }
    }

    private LinuxSocket read(long sk, Seen seen) {
        List<String> problems = new ArrayList<>();
        int family = r.u16(sk + skcFamily);
        int state = r.u8(sk + skcState);
        // Time-wait and request sockets are only a sock_common: nothing past it may be read.
        boolean mini = seen.origins.equals(Set.of(LinuxSocket.Origin.KERNEL_TABLE)) && "tcp-established".equals(seen.table)
                && (state == TCP_TIME_WAIT || state == TCP_NEW_SYN_RECV);
        int type = 1, protocol = 6;
        long inode = seen.inode;
        long socket = 0;
        if (!mini) {
            type = (int) skType.read(r, sk);
            protocol = (int) skProtocol.read(r, sk);
            socket = r.u64(sk + skSocket);
            if (inode == 0 && socket != 0) {
                try {
                    inode = r.u64(socket - allocSocket + allocInode + iIno);
                } catch (ChirpException e) {
                    problems.add("inode: " + e.getMessage());
                }
            }
        }
        String typeName = type >= 0 && type < TYPES.length ? TYPES[type] : "type" + type;
        return switch (family) {
            case AF_INET, AF_INET6 -> inet(sk, seen, family, state, typeName, type, protocol, inode, problems);
            case AF_UNIX -> unix(sk, seen, state, typeName, socket, inode, problems);
            default -> new LinuxSocket(familyName(family), "?", typeName, "?", state, null, 0, null, 0, null, inode,
                    seen.owners, seen.origins, sk, netns(sk, problems), problems);
        };
    }

    private LinuxSocket inet(long sk, Seen seen, int family, int state, String typeName, int type, int protocol,
                             long inode, List<String> problems) {
        boolean v6 = family == AF_INET6;
        String proto = switch (protocol) {
            case 6 -> "tcp";
            case 17 -> "udp";
            case 136 -> "udplite";
            default -> type == 3 ? "raw" : "ip" + protocol;
        };
        if (v6) proto += "6";
        int lport = r.u16(sk + skcNum);
        int rport = Integer.reverseBytes(r.u16(sk + skcDport)) >>> 16;
        String local, remote;
        if (v6 && skcV6Rcv >= 0) {
            local = IpText.of(r.bytes(sk + skcV6Rcv, 16));
            remote = IpText.of(r.bytes(sk + skcV6D, 16));
        } else {
            local = IpText.of(r.bytes(sk + skcRcvSaddr, 4));
            remote = IpText.of(r.bytes(sk + skcDaddr, 4));
        }
        String stateName = state < TCP_STATES.length ? TCP_STATES[state] : "state" + state;
        if (protocol != 6 && state == TCP_CLOSE) stateName = "UNCONN";
        return new LinuxSocket(v6 ? "inet6" : "inet", proto, typeName, stateName, state, local, lport, remote, rport,
                null, inode, seen.owners, seen.origins, sk, netns(sk, problems), problems);
    }

    /** State and name as /proc/net/unix prints them (unix_seq_show). */
    private LinuxSocket unix(long sk, Seen seen, int state, String typeName, long socket, long inode,
                             List<String> problems) {
        int st;
        String stateName;
        if (state == TCP_LISTEN) {
            st = 1;
            stateName = "LISTEN";
        } else if (socket != 0) {
            st = state == TCP_ESTABLISHED ? 3 : 1;
            stateName = state == TCP_ESTABLISHED ? "CONNECTED" : "UNCONNECTED";
        } else {
            st = state == TCP_ESTABLISHED ? 2 : 4;
            stateName = state == TCP_ESTABLISHED ? "CONNECTING" : "DISCONNECTING";
        }
        String path = null;
        try {
            long addr = r.u64(sk + unixAddr);
            if (addr != 0) path = unixPath(addr);
        } catch (ChirpException e) {
            problems.add("address: " + e.getMessage());
        }
        return new LinuxSocket("unix", "unix", typeName, stateName, st | (state == TCP_LISTEN ? SO_ACCEPTCON : 0), null,
                0, null, 0, path, inode, seen.owners, seen.origins, sk, netns(sk, problems), problems);
    }

    /** struct unix_address { refcnt; int len; struct sockaddr_un name[]; }: sun_path after the 2-byte family. */
    private String unixPath(long addr) {
        int len = r.u32(addr + uaLen) - 2;
        if (len <= 0) return "";
        if (len > 108) throw ChirpException.corrupt("unix address length " + (len + 2));
        byte[] b = r.bytes(addr + uaName + 2, len);
        int n = b[0] == 0 ? len : len - 1; // a pathname's length counts its NUL
        // unix_seq_show prints the abstract namespace's NULs as '@'; every other byte is guest text
        byte[] shown = java.util.Arrays.copyOf(b, Math.max(0, n));
        for (int i = 0; i < shown.length; i++) if (shown[i] == 0) shown[i] = '@';
        return KernelReader.decode(shown);
    }

    private static String familyName(int family) {
        return switch (family) {
            case 16 -> "netlink";
            case 17 -> "packet";
            case 40 -> "vsock";
            case 38 -> "alg";
            case 31 -> "bluetooth";
            default -> "af" + family;
        };
    }

    private static int rank(String family) {
        return switch (family) {
            case "inet" -> 0;
            case "inet6" -> 1;
            case "unix" -> 2;
            default -> 3;
        };
    }
}
