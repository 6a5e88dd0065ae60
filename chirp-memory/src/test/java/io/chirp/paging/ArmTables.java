package io.chirp.paging;

/**
 * Builds AArch64 stage-1 tables in a {@link HeapMemory}, with its own copy of the geometry (not PagingMode's):
 * for granule 2^g each level takes g-3 VA bits above the page offset, and the top level takes the rest.
 */
final class ArmTables {
    static final long VALID = 1, TABLE = 2, PAGE = 2, AF = 1L << 10, NG = 1L << 11;
    static final long AP_USER = 1L << 6, AP_RO = 1L << 7, DBM = 1L << 51, PXN = 1L << 53, UXN = 1L << 54;
    static final long PXN_TABLE = 1L << 59, UXN_TABLE = 1L << 60, AP_TABLE_NO_USER = 1L << 61, AP_TABLE_RO = 1L << 62;

    final HeapMemory mem;
    final int granuleShift;
    final int[] shifts;
    final int[] bits;
    final long low, high;   // TTBR0 and TTBR1 tables
    private long next;

    ArmTables(HeapMemory mem, long tableArea, int granuleShift, int vaBits) {
        this.mem = mem;
        this.granuleShift = granuleShift;
        int per = granuleShift - 3;
        int n = (int) Math.ceil((vaBits - granuleShift) / (double) per);
        shifts = new int[n];
        bits = new int[n];
        for (int i = 0; i < n; i++) {
            shifts[i] = granuleShift + per * (n - 1 - i);
            bits[i] = Math.min(per, vaBits - shifts[i]);
        }
        this.next = tableArea;
        this.low = newTable();
        this.high = newTable();
    }

    long newTable() {
        long t = next;
        next += 1L << granuleShift;
        return t;
    }

    int last() { return shifts.length - 1; }

    long entryAddress(long table, long va, int depth) {
        return table + ((va >>> shifts[depth]) & ((1L << bits[depth]) - 1)) * 8;
    }

    /** How a 52-bit output address is packed into a descriptor: none, LPA (64 KiB) or LPA2 (4/16 KiB). */
    enum Pack { NONE, LPA, LPA2 }

    static long pack(long pa, Pack p) {
        return switch (p) {
            case NONE -> pa;
            case LPA -> (pa & 0x0000_ffff_ffff_0000L) | ((pa >>> 48) & 0xf) << 12;
            case LPA2 -> (pa & 0x0003_ffff_ffff_f000L) | ((pa >>> 50) & 0x3) << 8;
        };
    }

    /**
     * Maps {@code va} (in TTBR1's table if its top bit is set) to {@code pa} with a leaf at {@code leafDepth}
     * (a page at the last depth, a block above). {@return the leaf entry's address}
     */
    long map(long va, long pa, int leafDepth, long leafAttrs, long tableAttrs, Pack p) {
        long table = va < 0 ? high : low;
        for (int d = 0; d < leafDepth; d++) {
            long addr = entryAddress(table, va, d);
            long e = mem.readBytes(addr, 8).length == 8 ? readLong(addr) : 0;
            if ((e & VALID) == 0) {
                e = pack(newTable(), p) | tableAttrs | TABLE | VALID;
                mem.putLong(addr, e);
            }
            table = e & 0x0000_ffff_ffff_f000L & -(1L << granuleShift);
        }
        long leaf = entryAddress(table, va, leafDepth);
        long type = leafDepth == last() ? PAGE | VALID : VALID;
        mem.putLong(leaf, pack(pa, p) | leafAttrs | AF | type);
        return leaf;
    }

    long map(long va, long pa, int leafDepth, long leafAttrs) {
        return map(va, pa, leafDepth, leafAttrs, 0, Pack.NONE);
    }

    long readLong(long addr) {
        byte[] b = mem.readBytes(addr, 8);
        long v = 0;
        for (int i = 7; i >= 0; i--) v = (v << 8) | (b[i] & 0xff);
        return v;
    }
}
