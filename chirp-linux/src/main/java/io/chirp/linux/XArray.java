package io.chirp.linux;

import io.chirp.core.ChirpException;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads the pointers stored in an xarray (also the tree under every IDR, such as {@code init_pid_ns.idr}), through
 * {@link Walk.Bounded}: node count and entry count are bounded, a node seen twice or with an impossible shift stops
 * the walk, and the result says why.
 *
 * <p>Entry encoding (include/linux/xarray.h): low bits {@code 10} above 4096 are internal nodes
 * ({@code xa_mk_node}), low bit 1 marks a value entry, small internal values are sibling and retry markers. Nodes
 * hold {@value #SLOTS} slots ({@code XA_CHUNK_SHIFT} 6 in every x86-64 configuration).
 */
public final class XArray {
    static final int SLOTS = 64;

    private final KernelReader r;
    private final long xaHead, nodeShift, nodeSlots;

    public XArray(LinuxKernel k) {
        this(k.reader(), k.layout().offset("xarray", "xa_head"), k.layout().offset("xa_node", "shift"),
                k.layout().offset("xa_node", "slots"));
    }

    /** An xarray reader with the given member offsets (tests lay out their own nodes). */
    XArray(KernelReader r, long xaHead, long nodeShift, long nodeSlots) {
        this.r = r;
        this.xaHead = xaHead;
        this.nodeShift = nodeShift;
        this.nodeSlots = nodeSlots;
    }

    /**
     * {@return the pointer entries of the xarray at {@code xarray} (a struct xarray), in index order} The one walk is
     * {@link #indexed} without a maximum index; an IDR's users (the PID table, eBPF's prog and map IDs) use this.
     */
    public Walk entries(long xarray, int limit, int nodeLimit) {
        Indexed idx = indexed(xarray, -1L, limit, nodeLimit);
        List<Long> items = idx.entries().stream().map(Entry::pointer).toList();
        return idx.complete() ? Walk.whole(items) : Walk.partial(items, idx.problem());
    }

    /**
     * A pointer entry with its place: index {@code index} and, for a multi-index entry (a large folio stored once
     * for 2^order slots), {@code order > 0}.
     */
    public record Entry(long index, long pointer, int order) {}

    /**
     * The pointer entries at indexes {@code [0, maxIndex]}, each with its index, in index order; subtrees past
     * maxIndex are not read (a hostile page cache cannot make the walk grow beyond the file it claims to hold).
     * Value entries (shadow and swap entries of evicted pages) are counted in {@code values}, not returned.
     */
    public record Indexed(List<Entry> entries, long values, boolean complete, String problem) {
        public Indexed { entries = List.copyOf(entries); }
    }

    /**
     * {@return the entries of the xarray at {@code xarray} with their indexes; see {@link Indexed}} {@code maxIndex}
     * is unsigned: -1 reads every index.
     */
    public Indexed indexed(long xarray, long maxIndex, int limit, int nodeLimit) {
        long head;
        try {
            head = r.u64(xarray + xaHead);
        } catch (ChirpException e) {
            return new Indexed(List.of(), 0, false, "xarray head unreadable: " + e.getMessage());
        }
        return indexedFromHead(head, maxIndex, limit, nodeLimit);
    }

    /** {@return the entries under {@code head} (the value of xa_head); see {@link #indexed}} */
    Indexed indexedFromHead(long head, long maxIndex, int limit, int nodeLimit) {
        Walk.Bounded w = new Walk.Bounded(limit, nodeLimit);
        List<Entry> out = new ArrayList<>();
        long values = 0;
        if (!isNode(head)) {
            if (head != 0 && (head & 3) == 0 && w.add(head)) out.add(new Entry(0, head, 0));
            else if ((head & 1) != 0) values++;
            Walk res = w.result();
            return new Indexed(out, values, res.complete(), res.problem());
        }
        // depth first, lowest index first: a stack of (node, first index it covers, the shift its parent expects)
        ArrayList<long[]> stack = new ArrayList<>();
        stack.add(new long[] {head - 2, 0, -1});
        while (!stack.isEmpty() && !w.stopped()) {
            long[] top = stack.removeLast();
            long node = top[0], base = top[1], expected = top[2];
            if (w.revisit(node)) break;
            byte[] slots;
            int shift;
            try {
                shift = r.u8(node + nodeShift);
                slots = r.bytes(node + nodeSlots, SLOTS * 8);
            } catch (ChirpException e) {
                w.note("xarray node unreadable at 0x" + Long.toHexString(node) + ": " + e.getMessage());
                continue;
            }
            if (shift > 60 || shift % 6 != 0 || (expected >= 0 && shift != expected)) {
                w.note("xarray node 0x" + Long.toHexString(node) + " has shift " + shift + ": subtree left out");
                continue;
            }
            List<long[]> children = new ArrayList<>();
            for (int i = 0; i < SLOTS; i++) {
                long index = base + ((long) i << shift);
                // an index past 2^64 wraps: nothing beyond the top of the index space exists
                if (Long.compareUnsigned(index, maxIndex) > 0 || (i > 0 && Long.compareUnsigned(index, base) <= 0)) break;
                long e = le64(slots, i * 8);
                if (e == 0) continue;
                if ((e & 1) != 0) {
                    values++;
                    continue;
                }
                if (isNode(e)) {
                    if (shift == 0) {
                        w.note("xarray leaf node 0x" + Long.toHexString(node) + " points to a node");
                        continue;
                    }
                    children.add(new long[] {e - 2, index, shift - 6});
                } else if ((e & 3) == 0) {
                    if (!w.add(e)) break;
                    out.add(new Entry(index, e, shift));
                }
                // (e & 3) == 2 below 4096: a sibling slot of a multi-index entry, already counted
            }
            for (int c = children.size() - 1; c >= 0; c--) stack.add(children.get(c));
        }
        Walk res = w.result();
        out.sort(java.util.Comparator.comparingLong(Entry::index));
        return new Indexed(out, values, res.complete(), res.problem());
    }

    private static boolean isNode(long e) { return (e & 3) == 2 && Long.compareUnsigned(e, 4096) > 0; }

    /** {@return the little-endian 64-bit value at {@code off} of {@code b}} */
    public static long le64(byte[] b, int off) {
        long v = 0;
        for (int i = 7; i >= 0; i--) v = (v << 8) | (b[off + i] & 0xff);
        return v;
    }
}
