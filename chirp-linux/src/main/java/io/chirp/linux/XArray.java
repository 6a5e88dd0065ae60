package io.chirp.linux;

import io.chirp.core.ChirpException;

import java.util.ArrayList;

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

    /** {@return the pointer entries of the xarray at {@code xarray} (a struct xarray), in no particular order} */
    public Walk entries(long xarray, int limit, int nodeLimit) {
        long head;
        try {
            head = r.u64(xarray + xaHead);
        } catch (ChirpException e) {
            return Walk.partial(java.util.List.of(), "xarray head unreadable: " + e.getMessage());
        }
        return fromHead(head, limit, nodeLimit);
    }

    /** {@return the pointer entries under {@code head} (the value of xa_head)} */
    public Walk fromHead(long head, int limit, int nodeLimit) {
        Walk.Bounded w = new Walk.Bounded(limit, nodeLimit);
        if (!isNode(head)) {
            if (head != 0 && (head & 3) == 0) w.add(head);
            return w.result();
        }
        ArrayList<Long> stack = new ArrayList<>();
        stack.add(head - 2);
        while (!stack.isEmpty() && !w.stopped()) {
            long node = stack.removeLast();
            if (w.revisit(node)) break;
            byte[] slots;
            int shift;
            try {
                shift = r.u8(node + nodeShift);
                slots = r.bytes(node + nodeSlots, SLOTS * 8);
            } catch (ChirpException e) {
                // one unreadable node loses its subtree; the others are still read
                w.note("xarray node unreadable at 0x" + Long.toHexString(node) + ": " + e.getMessage());
                continue;
            }
            if (shift > 63 || shift % 6 != 0) {
                w.note("xarray node 0x" + Long.toHexString(node) + " has shift " + shift + ": subtree left out");
                continue;
            }
            for (int i = 0; i < SLOTS; i++) {
                long e = le64(slots, i * 8);
                if (e == 0 || (e & 1) != 0) continue;
                if (isNode(e)) {
                    if (shift == 0) {
                        w.note("xarray leaf node 0x" + Long.toHexString(node) + " points to a node");
                        continue;
                    }
                    stack.add(e - 2);
                } else if ((e & 3) == 0) {
                    if (!w.add(e)) break;
                }
            }
        }
        return w.result();
    }

    private static boolean isNode(long e) { return (e & 3) == 2 && Long.compareUnsigned(e, 4096) > 0; }

    /** {@return the little-endian 64-bit value at {@code off} of {@code b}} */
    public static long le64(byte[] b, int off) {
        long v = 0;
        for (int i = 7; i >= 0; i--) v = (v << 8) | (b[off + i] & 0xff);
        return v;
    }
}
