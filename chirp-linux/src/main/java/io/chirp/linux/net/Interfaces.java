package io.chirp.linux.net;

import io.chirp.core.ChirpException;
import io.chirp.linux.KernelReader;
import io.chirp.linux.Layout;
import io.chirp.linux.LinuxKernel;
import io.chirp.linux.Walk;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The network interfaces of the initial network namespace with their IPv4 addresses, as {@code ifconfig} or
 * {@code ip addr} show them (Volatility's linux.ifconfig): {@code init_net.dev_base_head} lists every
 * {@code net_device}; each one's {@code ip_ptr} (struct in_device) chains its {@code in_ifaddr}s.
 */
public final class Interfaces {
    /** The most interfaces, and addresses per interface, read. */
    public static final int MAX_DEVICES = 1 << 14, MAX_ADDRESSES = 1024;
    private static final int IFF_UP = 1, IFF_PROMISC = 0x100;

    /**
     * One interface.
     *
     * @param name      net_device.name
     * @param index     ifindex
     * @param mac       hardware address, colon-separated hex ("" if none)
     * @param mtu       MTU
     * @param up        IFF_UP set
     * @param promisc   IFF_PROMISC set (a sniffer's tell)
     * @param addresses IPv4 addresses as "a.b.c.d/prefix"
     * @param address   address of the struct net_device
     * @param netns     inode number of its network namespace (net:[N])
     * @param problems  what could not be read
     */
    public record Interface(String name, int index, String mac, int mtu, boolean up, boolean promisc,
                            List<String> addresses, long address, long netns, List<String> problems) {
        public Interface {
            addresses = List.copyOf(addresses);
            problems = List.copyOf(problems);
        }
    }

    /** The interfaces found, and whether the device list was read whole. */
    public record Listing(List<Interface> interfaces, boolean complete, String problem) {
        public Listing { interfaces = List.copyOf(interfaces); }
    }

    private final LinuxKernel k;
    private final KernelReader r;
    private final long devBaseHead, devList, name, ifindex, flags, mtu, devAddr, addrLen, ipPtr, ifaList, ifaNext;
    private final long ifaLocal, ifaPrefixlen;

    public Interfaces(LinuxKernel k) {
        this.k = k;
        this.r = k.reader();
        Layout l = k.layout();
        devBaseHead = l.offset("net", "dev_base_head");
        devList = l.offset("net_device", "dev_list");
        name = l.offset("net_device", "name");
        ifindex = l.offset("net_device", "ifindex");
        flags = l.offset("net_device", "flags");
        mtu = l.offset("net_device", "mtu");
        devAddr = l.offset("net_device", "dev_addr");
        addrLen = l.offset("net_device", "addr_len");
        ipPtr = l.offset("net_device", "ip_ptr");
        ifaList = l.offset("in_device", "ifa_list");
        ifaNext = l.offset("in_ifaddr", "ifa_next");
        ifaLocal = l.offset("in_ifaddr", "ifa_local");
        ifaPrefixlen = l.offset("in_ifaddr", "ifa_prefixlen");
    }

    /** {@return the interfaces of init_net} */
    public Listing list() { return list(k.symbol("init_net")); }

    /** {@return the interfaces of the network namespace at {@code net} (a struct net)} */
    public Listing list(long net) {
        long inum = 0;
        String why = "";
        try {
            inum = Integer.toUnsignedLong(r.u32(net + k.layout().offset("net", "ns.inum")));
        } catch (ChirpException e) {
            why = "namespace inode unreadable: " + e.getMessage();
        }
        Walk w = Walk.listHead(r, net + devBaseHead, devList, MAX_DEVICES);
        List<Interface> out = new ArrayList<>();
        for (long dev : w.items()) out.add(read(dev, inum));
        String problem = w.problem().isEmpty() ? why : why.isEmpty() ? w.problem() : w.problem() + "; " + why;
        return new Listing(out, problem.isEmpty(), problem);
    }

    private Interface read(long dev, long netns) {
        List<String> problems = new ArrayList<>();
        String n = r.chars(dev + name, 16);
        int idx = 0, m = 0;
        boolean up = false, promisc = false;
        String mac = "";
        try {
            idx = r.u32(dev + ifindex);
            m = r.u32(dev + mtu);
            int f = r.u32(dev + flags);
            up = (f & IFF_UP) != 0;
            promisc = (f & IFF_PROMISC) != 0;
            int len = r.u8(dev + addrLen);
            if (len > 32) throw ChirpException.corrupt("addr_len " + len);
            long p = r.u64(dev + devAddr);
            if (len > 0 && p != 0) mac = HexFormat.ofDelimiter(":").formatHex(r.bytes(p, len));
        } catch (ChirpException e) {
            problems.add(n + ": " + e.getMessage());
        }
        List<String> addrs = new ArrayList<>();
        try {
            long in = r.u64(dev + ipPtr);
            if (in != 0) {
                Walk a = Walk.chain(r, r.u64(in + ifaList), ifaNext, 0, p -> p == 0, MAX_ADDRESSES);
                if (!a.complete()) problems.add(n + " addresses: " + a.problem());
                for (long ifa : a.items()) {
                    byte[] ip = r.bytes(ifa + ifaLocal, 4);
                    addrs.add(io.chirp.core.IpText.of(ip) + "/" + r.u8(ifa + ifaPrefixlen));
                }
            }
        } catch (ChirpException e) {
            problems.add(n + " addresses: " + e.getMessage());
        }
        return new Interface(n, idx, mac, m, up, promisc, addrs, dev, netns, problems);
    }
}
