package io.chirp.linux;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The xarray walker on synthetic nodes laid out as struct xa_node (shift at 0, slots at 16, as offsets given). */
class XArrayTest {
    private final SyntheticKernelMemory mem = new SyntheticKernelMemory();

    private XArray xa() {
        return new XArray(mem.reader(), 0, 0, 16);
    }

    /** The plain walk (every index), as the IDR users call it, of an xarray whose xa_head is {@code head}. */
    private Walk fromHead(long head) {
        long xarray = mem.alloc(8);
        mem.putLong(xarray, head);
        return xa().entries(xarray, 100, 100);
    }

    @Test
    void entriesOfATwoLevelTreeAreFoundAndMarkersSkipped() {
        long leaf = mem.alloc(16 + 64 * 8);
        long rootNode = mem.alloc(16 + 64 * 8);
        mem.putBytes(rootNode, new byte[] {6});
        mem.putLong(rootNode + 16, leaf | 2); // slot 0: a child node
        long a = mem.alloc(64), b = mem.alloc(64);
        mem.putLong(leaf + 16, a);
        mem.putLong(leaf + 16 + 8, 0x7); // a value entry: not a pointer
        mem.putLong(leaf + 16 + 16, b);
        mem.putLong(leaf + 16 + 24, 0x1e); // a small internal entry (retry/sibling marker)
        Walk w = fromHead(rootNode | 2);
        assertThat(w.complete()).as(w.problem()).isTrue();
        assertThat(w.items()).containsExactly(a, b);
        assertThat(fromHead(a).items()).containsExactly(a); // a single entry lives in the head
    }

    @Test
    void anUnreadableNodeLosesOnlyItsSubtreeAndALoopStops() {
        long leaf = mem.alloc(16 + 64 * 8);
        long rootNode = mem.alloc(16 + 64 * 8);
        mem.putBytes(rootNode, new byte[] {6});
        mem.putLong(rootNode + 16, SyntheticKernelMemory.UNMAPPED | 2);
        mem.putLong(rootNode + 24, leaf | 2);
        long a = mem.alloc(64);
        mem.putLong(leaf + 16, a);
        Walk w = fromHead(rootNode | 2);
        assertThat(w.items()).containsExactly(a);
        assertThat(w.complete()).isFalse();
        assertThat(w.problem()).startsWith("xarray node unreadable at 0x" + Long.toHexString(SyntheticKernelMemory.UNMAPPED));

        mem.putLong(rootNode + 16, rootNode | 2); // a node that contains itself
        mem.putBytes(leaf, new byte[] {0});
        Walk loop = fromHead(rootNode | 2);
        assertThat(loop.complete()).isFalse();
        assertThat(loop.problem()).contains("cycle at 0x" + Long.toHexString(rootNode));
    }

    @Test
    void indexedWalkPlacesEntriesAndStopsAtTheLastIndexAsked() {
        long leaf = mem.alloc(16 + 64 * 8);
        long rootNode = mem.alloc(16 + 64 * 8);
        mem.putBytes(rootNode, new byte[] {6});
        mem.putLong(rootNode + 16 + 8, leaf | 2); // slot 1 covers indexes 64..127
        long a = mem.alloc(64), b = mem.alloc(64), c = mem.alloc(64);
        mem.putLong(rootNode + 16, a); // slot 0 of a shift-6 node: a multi-index entry for 0..63
        mem.putLong(leaf + 16, b);
        mem.putLong(leaf + 16 + 8, 0x7); // a shadow entry: an evicted page
        mem.putLong(leaf + 16 + 24, c);
        long xa = mem.alloc(8);
        mem.putLong(xa, rootNode | 2);
        XArray.Indexed all = xa().indexed(xa, 1000, 100, 100);
        assertThat(all.complete()).as(all.problem()).isTrue();
        assertThat(all.entries()).containsExactly(new XArray.Entry(0, a, 6), new XArray.Entry(64, b, 0),
                new XArray.Entry(67, c, 0));
        assertThat(all.values()).isEqualTo(1);
        assertThat(xa().indexed(xa, 66, 100, 100).entries()).extracting(XArray.Entry::index).containsExactly(0L, 64L);

        mem.putBytes(leaf, new byte[] {12}); // a child whose shift is not its parent's minus 6
        XArray.Indexed bad = xa().indexed(xa, 1000, 100, 100);
        assertThat(bad.complete()).isFalse();
        assertThat(bad.entries()).extracting(XArray.Entry::index).containsExactly(0L);
    }
}
