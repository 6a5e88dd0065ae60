package io.chirp.paging;

/**
 * Builds page tables in a {@link HeapMemory}, with its own copy of the level geometry (not PagingMode's),
 * so that a mistake in the production tables cannot hide in the tests.
 */
final class PageTables {
    static final long P = 1, RW = 2, US = 4, PS = 0x80, G = 0x100, NX = 1L << 63;

    final HeapMemory mem;
    final int entrySize;
    final int[] shifts;
    final int[] bits;
    final long root;
    private long next;

    private PageTables(HeapMemory mem, long tableArea, int entrySize, int[] shifts, int[] bits) {
        this.mem = mem;
        this.entrySize = entrySize;
        this.shifts = shifts;
        this.bits = bits;
        this.next = tableArea;
        this.root = newTable();
    }

    static PageTables x64(HeapMemory mem, long tableArea) {
        return new PageTables(mem, tableArea, 8, new int[] {39, 30, 21, 12}, new int[] {9, 9, 9, 9});
    }

    static PageTables la57(HeapMemory mem, long tableArea) {
        return new PageTables(mem, tableArea, 8, new int[] {48, 39, 30, 21, 12}, new int[] {9, 9, 9, 9, 9});
    }

    static PageTables pae(HeapMemory mem, long tableArea) {
        return new PageTables(mem, tableArea, 8, new int[] {30, 21, 12}, new int[] {2, 9, 9});
    }

    static PageTables x86(HeapMemory mem, long tableArea) {
        return new PageTables(mem, tableArea, 4, new int[] {22, 12}, new int[] {10, 10});
    }

    long newTable() {
        long t = next;
        next += 4096;
        return t;
    }

    long entryAddress(long table, long va, int depth) {
        return table + ((va >>> shifts[depth]) & ((1L << bits[depth]) - 1)) * entrySize;
    }

    long readEntry(long addr) {
        byte[] b = mem.readBytes(addr, entrySize);
        long v = 0;
        for (int i = entrySize - 1; i >= 0; i--) v = (v << 8) | (b[i] & 0xff);
        return v;
    }

    void writeEntry(long addr, long v) {
        if (entrySize == 8) mem.putLong(addr, v); else mem.putInt(addr, (int) v);
    }

    /**
     * Maps {@code va} to the page-frame value {@code frameBits} at depth {@code leafDepth} (the last depth for a
     * 4 KiB page; earlier means a large page, PS set). Intermediate tables get {@code tableFlags}.
     * {@return the address of the leaf entry}
     */
    long map(long va, long frameBits, int leafDepth, long leafFlags, long tableFlags) {
        long table = root;
        for (int d = 0; d < leafDepth; d++) {
            long addr = entryAddress(table, va, d);
            long e = readEntry(addr);
            if ((e & P) == 0) {
                e = newTable() | tableFlags;
                writeEntry(addr, e);
            }
            table = e & 0x000f_ffff_ffff_f000L & (entrySize == 4 ? 0xffff_f000L : -1L);
        }
        long leaf = entryAddress(table, va, leafDepth);
        long ps = leafDepth < shifts.length - 1 ? PS : 0;
        writeEntry(leaf, frameBits | leafFlags | ps);
        return leaf;
    }

    long map(long va, long pa, int leafDepth, long leafFlags) {
        return map(va, pa, leafDepth, leafFlags, P | RW | US);
    }

    int last() { return shifts.length - 1; }
}
