package io.chirp.linux.mm;

import io.chirp.core.ChirpException;
import io.chirp.linux.Layout;
import io.chirp.linux.LinuxKernel;
import io.chirp.linux.KernelReader;
import io.chirp.linux.Walk;
import io.chirp.symbols.types.BtfType;
import io.chirp.symbols.types.TypeModel;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the entries of a Linux maple tree (6.1+, e.g. {@code mm_struct.mm_mt}, whose entries are the VMAs) in index
 * order. The root and the child slots of internal nodes are encoded node pointers: a 256-byte aligned node with its
 * type in bits 3-6 ({@code mte_to_node}, {@code mte_node_type}), the root also marked as an xa node (bit 1);
 * {@code maple_range_64} / {@code maple_leaf_64} nodes hold 15 pivots and 16 slots, allocation
 * trees use {@code maple_arange_64} (9 pivots, 10 slots, gaps) for internal nodes. Slot counts and node type numbers
 * are taken from BTF. Depth, node count and entry count are bounded; a node that is dead or malformed ends that
 * branch and marks the result incomplete.
 */
final class MapleTree {
    static final int MAX_DEPTH = 32;
    static final int MAX_NODES = 1 << 16;
    private static final long NODE_MASK = 255;
    private static final int TYPE_SHIFT = 3, TYPE_MASK = 15;

    /** Where one node kind keeps its pivots, slots and end marker. */
    private record Kind(long pivots, int pivotCount, long slots, int slotCount, long metaEnd, long size) {}

    private final KernelReader r;
    private final long maRoot;
    private final Kind range64, arange64;
    private final int typeDense, typeLeaf64, typeRange64, typeArange64;

    MapleTree(LinuxKernel k) {
        this.r = k.reader();
        Layout l = k.layout();
        maRoot = l.offset("maple_tree", "ma_root");
        range64 = kind(l, "maple_range_64");
        arange64 = kind(l, "maple_arange_64");
        TypeModel t = l.types();
        if (!(t.findNamed("maple_type").orElse(null) instanceof BtfType.EnumType e)) {
            throw ChirpException.notFound("this kernel's BTF has no enum maple_type");
        }
        typeDense = value(e, "maple_dense");
        typeLeaf64 = value(e, "maple_leaf_64");
        typeRange64 = value(e, "maple_range_64");
        typeArange64 = value(e, "maple_arange_64");
    }

    /**
     * {@return the entries of the tree at {@code tree}, at most {@code limit} of them} Items are the non-NULL leaf
     * entries in index order (internal entries skipped); the walk stops at the first node that is unreadable, dead or
     * malformed, and says which.
     */
    Walk entries(long tree, int limit) {
        Walk.Bounded w = new Walk.Bounded(limit, MAX_NODES);
        long root;
        try {
            root = r.u64(tree + maRoot);
        } catch (ChirpException e) {
            return w.stop("tree root unreadable: " + e.getMessage()).result();
        }
        if (!isNode(root)) {
            if (root != 0 && !isInternal(root)) w.add(root); // a tree of one entry at index 0 keeps it in the root
            if (root != 0 && isInternal(root)) w.stop("root 0x" + Long.toHexString(root) + " is neither entry nor node");
            return w.result();
        }
        visit(root, -1L, 0, w);
        return w.result();
    }

    private void visit(long entry, long max, int depth, Walk.Bounded w) {
        if (w.stopped()) return;
        if (depth >= MAX_DEPTH) { w.stop("deeper than " + MAX_DEPTH + " levels"); return; }
        long node = entry & ~NODE_MASK;
        if (w.revisit(node)) return;
        int type = (int) ((entry >>> TYPE_SHIFT) & TYPE_MASK);
        Kind kind;
        boolean leaf;
        if (type == typeLeaf64 || type == typeRange64) {
            kind = range64;
            leaf = type == typeLeaf64;
        } else if (type == typeArange64) {
            kind = arange64;
            leaf = false;
        } else {
            w.stop((type == typeDense ? "dense" : "unknown type " + type) + " node at 0x" + Long.toHexString(node));
            return;
        }
        ByteBuffer b;
        try {
            b = ByteBuffer.wrap(r.bytes(node, (int) kind.size())).order(ByteOrder.LITTLE_ENDIAN);
        } catch (ChirpException e) {
            w.stop("node unreadable at 0x" + Long.toHexString(node) + ": " + e.getMessage());
            return;
        }
        // A node whose parent pointer is itself has been freed by a concurrent writer (ma_dead_node).
        if ((b.getLong(0) & ~NODE_MASK) == node) { w.stop("dead node at 0x" + Long.toHexString(node)); return; }
        int end = dataEnd(b, kind, max, type == typeArange64);
        if (end < 0 || end >= kind.slotCount()) {
            w.stop("node at 0x" + Long.toHexString(node) + " has a bad end " + end);
            return;
        }
        for (int i = 0; i <= end; i++) {
            long slot = b.getLong((int) (kind.slots() + 8L * i));
            if (slot == 0) continue;
            if (leaf) {
                if (isInternal(slot)) continue;
                if (!w.add(slot)) return;
            } else {
                long childMax = i < kind.pivotCount() ? b.getLong((int) (kind.pivots() + 8L * i)) : max;
                if (i == end && (childMax == 0 || i >= kind.pivotCount())) childMax = max;
                // Child pointers are encoded nodes (node | type << 3 | 4 if a NULL lies below), not xa internal entries:
                // only the root carries the xa node mark (MAPLE_ROOT_NODE, 2).
                if ((slot & ~NODE_MASK) == 0 || (slot & 3) != 0) {
                    w.stop("slot " + i + " of node 0x" + Long.toHexString(node) + " is not a node");
                    return;
                }
                visit(slot, childMax, depth + 1, w);
            }
        }
    }

    /** The kernel's ma_data_end: the last pivot decides, else the node's metadata byte says where data ends. */
    private static int dataEnd(ByteBuffer b, Kind kind, long max, boolean arange) {
        if (!arange) {
            int last = kind.pivotCount() - 1;
            long p = b.getLong((int) (kind.pivots() + 8L * last));
            if (p != 0) return p == max ? last : kind.pivotCount();
        }
        return b.get((int) kind.metaEnd()) & 0xff;
    }

    private static boolean isInternal(long e) { return (e & 3) == 2; }

    private static boolean isNode(long e) { return isInternal(e) && Long.compareUnsigned(e, 4096) > 0; }

    private static Kind kind(Layout l, String struct) {
        TypeModel t = l.types();
        return new Kind(l.offset(struct, "pivot"), count(t, l.member(struct, "pivot").type()), l.offset(struct, "slot"),
                count(t, l.member(struct, "slot").type()), l.offset(struct, "meta.end"), l.size(struct));
    }

    private static int count(TypeModel t, int type) {
        if (!(t.resolve(type) instanceof BtfType.Array a) || a.count() <= 0 || a.count() > 64) {
            throw ChirpException.notFound("maple node array of unexpected shape (type " + type + ")");
        }
        return (int) a.count();
    }

    private static int value(BtfType.EnumType e, String name) {
        for (BtfType.Enumerator v : e.values()) if (v.name().equals(name)) return (int) v.value();
        throw ChirpException.notFound("enum maple_type has no " + name);
    }
}
