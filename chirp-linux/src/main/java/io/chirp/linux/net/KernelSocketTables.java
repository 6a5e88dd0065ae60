package io.chirp.linux.net;

import io.chirp.core.ChirpException;
import io.chirp.linux.KernelFeatures;
import io.chirp.linux.KernelReader;
import io.chirp.linux.Layout;
import io.chirp.linux.LinuxKernel;
import io.chirp.linux.Walk;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * The kernel's own socket lookup tables, which hold every bound or connected socket whether or not a process has it
 * open: TCP's established hash ({@code tcp_hashinfo.ehash}, also time-wait and request sockets) and listening hash
 * ({@code lhash2}), UDP's port hash ({@code udp_table.hash}) and each network namespace's Unix table. Which layout a
 * kernel has is decided once, from BTF. Bucket counts come from the guest and are capped; chains are bounded and
 * cycle-checked.
 */
final class KernelSocketTables {
    /** The most buckets read from one table (a 64 GiB guest has about 512 Ki established-hash buckets). */
    static final int MAX_BUCKETS = 1 << 21;
    /** The most sockets taken from all tables together. */
    static final int MAX_SOCKETS = 1 << 20;
    private static final int CHAIN_LIMIT = 1 << 16;
    /** Linux 5.19+ per-namespace Unix table: UNIX_HASH_SIZE = 256 * 2 buckets. */
    private static final int UNIX_NET_BUCKETS = 512;
    /** Older global unix_socket_table: 2 * UNIX_HASH_SIZE + 1 with UNIX_HASH_SIZE = 256. */
    private static final int UNIX_GLOBAL_BUCKETS = 513;

    /**
     * Sockets found in the tables.
     *
     * @param sockets  struct sock address to the table it was found in ("tcp-established", "tcp-listen", "udp", "unix")
     * @param problems one line per table that could not be read to its end
     */
    record Found(Map<Long, String> sockets, List<String> problems) {}

    private final LinuxKernel k;
    private final KernelReader r;
    private final long skcNode, skcNullsNode;
    private final long ehash, ehashMask, lhash2, lhash2Mask, lbucketSize, lbucketHead;
    private final boolean listenNulls;
    private final long udpHash, udpMask, hslotSize, hslotHead;
    private final OptionalLong netUnixBuckets, netList;

    KernelSocketTables(LinuxKernel k) {
        this.k = k;
        this.r = k.reader();
        Layout l = k.layout();
        skcNode = l.offset("sock_common", "skc_node");
        skcNullsNode = l.offset("sock_common", "skc_nulls_node");
        ehash = l.offset("inet_hashinfo", "ehash");
        ehashMask = l.offset("inet_hashinfo", "ehash_mask");
        lhash2 = l.offset("inet_hashinfo", "lhash2");
        lhash2Mask = l.offset("inet_hashinfo", "lhash2_mask");
        lbucketSize = l.size("inet_listen_hashbucket");
        // Linux 5.19 moved listeners onto nulls lists (sk_nulls_node); before, a plain hlist on skc_node.
        listenNulls = k.features().tcpListen() == KernelFeatures.TcpListen.NULLS;
        lbucketHead = l.offset("inet_listen_hashbucket", listenNulls ? "nulls_head" : "head");
        udpHash = l.offset("udp_table", "hash");
        udpMask = l.offset("udp_table", "mask");
        hslotSize = l.size("udp_hslot");
        hslotHead = l.offset("udp_hslot", "head");
        boolean perNs = k.features().unixSockets() == KernelFeatures.UnixSockets.PER_NAMESPACE;
        netUnixBuckets = perNs ? OptionalLong.of(l.offset("net", "unx.table.buckets")) : OptionalLong.empty();
        netList = perNs ? OptionalLong.of(l.offset("net", "list")) : OptionalLong.empty();
    }

    Found walk() {
        Map<Long, String> out = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        long tcp = symbol("tcp_hashinfo", problems);
        if (tcp != 0) {
            try {
                buckets(r.u64(tcp + ehash), count(r.u32(tcp + ehashMask)), 8, 0, true, skcNullsNode,
                        "tcp-established", out, problems);
                buckets(r.u64(tcp + lhash2), count(r.u32(tcp + lhash2Mask)), lbucketSize, lbucketHead, listenNulls,
                        listenNulls ? skcNullsNode : skcNode, "tcp-listen", out, problems);
            } catch (ChirpException e) {
                problems.add("tcp_hashinfo unreadable: " + e.getMessage());
            }
        }
        long udp = symbol("udp_table", problems);
        if (udp != 0) {
            try {
                buckets(r.u64(udp + udpHash), count(r.u32(udp + udpMask)), hslotSize, hslotHead, false, skcNode,
                        "udp", out, problems);
            } catch (ChirpException e) {
                problems.add("udp_table unreadable: " + e.getMessage());
            }
        }
        unix(out, problems);
        return new Found(out, problems);
    }

    /** Unix sockets: per namespace since 5.19 (net.unx.table), in one global table before. */
    private void unix(Map<Long, String> out, List<String> problems) {
        if (netUnixBuckets.isPresent() && netList.isPresent()) {
            Walk nets = Walk.listHead(r, k.symbol("net_namespace_list"), netList.getAsLong(), 4096);
            if (!nets.complete()) problems.add("network namespace list: " + nets.problem());
            for (long net : nets.items()) {
                try {
                    buckets(r.u64(net + netUnixBuckets.getAsLong()), UNIX_NET_BUCKETS, 8, 0, false, skcNode, "unix",
                            out, problems);
                } catch (ChirpException e) {
                    problems.add("unix table of namespace 0x" + Long.toHexString(net) + " unreadable: " + e.getMessage());
                }
            }
        } else if (k.features().unixSockets() == KernelFeatures.UnixSockets.GLOBAL) {
            buckets(k.symbol("unix_socket_table"), UNIX_GLOBAL_BUCKETS, 8, 0, false, skcNode, "unix", out, problems);
        } else {
            problems.add("no Unix socket table known for this kernel");
        }
    }

    /**
     * Reads a bucket array in one go, then follows each bucket's chain. {@code nulls}: chains end in an odd
     * "nulls" marker rather than NULL (hlist_nulls).
     */
    private void buckets(long array, long buckets, long stride, long headOff, boolean nulls, long linkOff, String table,
                         Map<Long, String> out, List<String> problems) {
        int n = (int) Math.min(buckets, MAX_BUCKETS);
        if (buckets > MAX_BUCKETS) problems.add(table + ": only " + MAX_BUCKETS + " of " + buckets + " buckets read");
        byte[] raw;
        try {
            raw = r.bytes(array, Math.toIntExact(n * stride));
        } catch (ChirpException | ArithmeticException e) {
            problems.add(table + ": bucket array unreadable: " + e.getMessage());
            return;
        }
        ByteBuffer bb = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            long first = bb.getLong(Math.toIntExact(i * stride + headOff));
            if (first == 0 || (nulls && (first & 1) != 0)) continue;
            String problem = chain(first, linkOff, nulls, table, out);
            if (problem != null) problems.add(table + " bucket " + i + ": " + problem);
            if (out.size() >= MAX_SOCKETS) {
                problems.add("stopped at " + MAX_SOCKETS + " sockets");
                return;
            }
        }
    }

    /** Follows one chain; {@return null if it ended normally, else why it stopped} */
    private String chain(long first, long linkOff, boolean nulls, String table, Map<Long, String> out) {
        Walk w = Walk.chain(r, first, 0, linkOff, p -> p == 0 || (nulls && (p & 1) != 0), CHAIN_LIMIT);
        for (long sk : w.items()) out.putIfAbsent(sk, table);
        return w.complete() ? null : w.problem();
    }

    private static long count(int mask) { return (mask & 0xffff_ffffL) + 1; }

    private long symbol(String name, List<String> problems) {
        return k.symbols().lookup(name).map(s -> s.address()).orElseGet(() -> {
            problems.add("kernel symbol " + name + " not found");
            return 0L;
        });
    }
}
