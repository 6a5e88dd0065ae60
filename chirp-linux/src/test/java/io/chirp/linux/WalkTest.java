package io.chirp.linux;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The bounded walks over synthetic kernel memory: complete lists, broken links, cycles, limits, recovery. */
class WalkTest {
    /** Elements of 64 bytes whose list_head sits at offset 16, as task_struct.tasks sits inside a task. */
    private static final long LINK = 16;

    private final SyntheticKernelMemory mem = new SyntheticKernelMemory();
    private final KernelReader r = mem.reader();

    /** A circular doubly linked list: {@return the head; the elements are added to {@code out}} */
    private long list(int n, List<Long> out) {
        long head = mem.alloc(16);
        for (int i = 0; i < n; i++) out.add(mem.alloc(64));
        for (int i = 0; i < n; i++) {
            long link = out.get(i) + LINK;
            long next = i + 1 < n ? out.get(i + 1) + LINK : head;
            long prev = i > 0 ? out.get(i - 1) + LINK : head;
            mem.putLong(link, next);
            mem.putLong(link + 8, prev);
        }
        mem.putLong(head, n == 0 ? head : out.getFirst() + LINK);
        mem.putLong(head + 8, n == 0 ? head : out.getLast() + LINK);
        return head;
    }

    @Test
    void aWholeListIsComplete() {
        List<Long> e = new ArrayList<>();
        long head = list(10, e);
        Walk w = Walk.listHead(r, head, LINK, 100);
        assertThat(w.complete()).isTrue();
        assertThat(w.problem()).isEmpty();
        assertThat(w.items()).containsExactlyElementsOf(e);
        assertThat(Walk.listHead(r, list(0, new ArrayList<>()), LINK, 100)).isEqualTo(Walk.whole(List.of()));
    }

    @Test
    void oneLinkIntoUnmappedMemoryLosesNothing() {
        List<Long> e = new ArrayList<>();
        long head = list(10, e);
        mem.putLong(e.get(4) + LINK, SyntheticKernelMemory.UNMAPPED); // the rootkit's 8-byte write
        Walk w = Walk.listHead(r, head, LINK, 100);
        assertThat(w.complete()).isFalse();
        assertThat(w.items()).containsExactlyElementsOf(e);
        assertThat(w.problem()).contains("link unreadable at 0x" + Long.toHexString(SyntheticKernelMemory.UNMAPPED))
                .contains("after 5 elements").contains("recovered 5 more elements").contains("no element is missing");
    }

    @Test
    void aNullLinkAndABackLinkAreWorkedAroundToo() {
        List<Long> e = new ArrayList<>();
        long head = list(6, e);
        mem.putLong(e.get(2) + LINK, 0);
        Walk w = Walk.listHead(r, head, LINK, 100);
        assertThat(w.items()).containsExactlyElementsOf(e);
        assertThat(w.problem()).startsWith("NULL link after 3 elements").contains("no element is missing");

        List<Long> f = new ArrayList<>();
        long head2 = list(6, f);
        mem.putLong(f.get(4) + LINK, f.get(1) + LINK); // a loop back into the list
        Walk c = Walk.listHead(r, head2, LINK, 100);
        assertThat(c.complete()).isFalse();
        assertThat(c.items()).containsExactlyElementsOf(f);
        assertThat(c.problem()).contains("points back into the list");
    }

    @Test
    void aBrokenFirstLinkIsRecoveredWholeFromTheOtherSide() {
        List<Long> e = new ArrayList<>();
        long head = list(7, e);
        mem.putLong(head, SyntheticKernelMemory.UNMAPPED); // init_task.tasks.next itself
        Walk w = Walk.listHead(r, head, LINK, 100);
        assertThat(w.complete()).isFalse();
        assertThat(w.items()).containsExactlyElementsOf(e);
        assertThat(w.problem()).contains("after 0 elements").contains("recovered 7 more elements")
                .contains("no element is missing");
    }

    @Test
    void twoBreaksLoseOnlyWhatLiesBetweenThem() {
        List<Long> e = new ArrayList<>();
        long head = list(10, e);
        mem.putLong(e.get(2) + LINK, SyntheticKernelMemory.UNMAPPED);
        mem.putLong(e.get(7) + LINK + 8, SyntheticKernelMemory.UNMAPPED);
        Walk w = Walk.listHead(r, head, LINK, 100);
        assertThat(w.complete()).isFalse();
        assertThat(w.items()).containsExactly(e.get(0), e.get(1), e.get(2), e.get(7), e.get(8), e.get(9));
        assertThat(w.problem()).contains("recovered 3 more elements")
                .contains("elements between the two breaks are missing");
    }

    @Test
    void anUnreadableHeadIsPartialAndEmpty() {
        Walk w = Walk.listHead(r, SyntheticKernelMemory.UNMAPPED, LINK, 100);
        assertThat(w.complete()).isFalse();
        assertThat(w.items()).isEmpty();
        assertThat(w.problem()).startsWith("head unreadable");
    }

    @Test
    void theLimitStopsAWalkAndSaysSo() {
        List<Long> e = new ArrayList<>();
        long head = list(10, e);
        Walk w = Walk.listHead(r, head, LINK, 4);
        assertThat(w.items()).containsExactlyElementsOf(e.subList(0, 4));
        assertThat(w.problem()).isEqualTo("stopped at the limit of 4 elements");
        // a list made endless by a self-loop behind a broken head stays bounded as well
        mem.putLong(e.get(9) + LINK, e.get(9) + LINK);
        assertThat(Walk.listHead(r, head, LINK, 100).items()).hasSize(10);
    }

    @Test
    void chainsEndAtNullOrTheirMarkerAndStopAtCyclesAndHoles() {
        long[] n = new long[5];
        for (int i = 0; i < n.length; i++) n[i] = mem.alloc(32);
        for (int i = 0; i < n.length; i++) mem.putLong(n[i] + 8, i + 1 < n.length ? n[i + 1] + 8 : 0);
        long headFirst = mem.alloc(8);
        mem.putLong(headFirst, n[0] + 8);
        assertThat(Walk.hlist(r, headFirst, 8, 100)).isEqualTo(Walk.whole(List.of(n[0], n[1], n[2], n[3], n[4])));

        mem.putLong(n[4] + 8, 0x21); // an hlist_nulls marker (odd) ends the chain
        Walk nulls = Walk.chain(r, n[0] + 8, 0, 8, p -> p == 0 || (p & 1) != 0, 100);
        assertThat(nulls.complete()).isTrue();
        assertThat(nulls.items()).hasSize(5);

        mem.putLong(n[3] + 8, n[1] + 8);
        Walk cycle = Walk.hlist(r, headFirst, 8, 100);
        assertThat(cycle.items()).containsExactly(n[0], n[1], n[2], n[3]);
        assertThat(cycle.problem()).startsWith("cycle at 0x" + Long.toHexString(n[1] + 8));

        mem.putLong(n[2] + 8, SyntheticKernelMemory.UNMAPPED);
        Walk hole = Walk.hlist(r, headFirst, 8, 100);
        assertThat(hole.items()).containsExactly(n[0], n[1], n[2]);
        assertThat(hole.problem()).startsWith("link unreadable at 0x" + Long.toHexString(SyntheticKernelMemory.UNMAPPED));
    }

    @Test
    void anRbTreeIsWalkedInOrderAndABadChildMakesItPartial() {
        // rb_node: parent at 0, right at 8, left at 16 (as struct rb_node); the node sits at offset 32 of its object
        long[] obj = new long[7];
        for (int i = 0; i < obj.length; i++) obj[i] = mem.alloc(64);
        // a balanced tree of 7: root 3, children 1 and 5, leaves 0 2 4 6
        int[][] kids = {{3, 1, 5}, {1, 0, 2}, {5, 4, 6}};
        for (int[] k : kids) {
            mem.putLong(obj[k[0]] + 32 + 16, obj[k[1]] + 32);
            mem.putLong(obj[k[0]] + 32 + 8, obj[k[2]] + 32);
        }
        long root = mem.alloc(8);
        mem.putLong(root, obj[3] + 32);
        Walk w = Walk.rbInOrder(r, root, 32, 16, 8, 100);
        assertThat(w.complete()).isTrue();
        assertThat(w.items()).containsExactly(java.util.Arrays.stream(obj).boxed().toArray(Long[]::new));

        mem.putLong(obj[5] + 32 + 8, SyntheticKernelMemory.UNMAPPED);
        Walk bad = Walk.rbInOrder(r, root, 32, 16, 8, 100);
        assertThat(bad.complete()).isFalse();
        assertThat(bad.items()).containsExactly(obj[0], obj[1], obj[2], obj[3], obj[4], obj[5]);

        mem.putLong(obj[5] + 32 + 8, obj[3] + 32); // right child points back at the root
        Walk cyc = Walk.rbInOrder(r, root, 32, 16, 8, 100);
        assertThat(cyc.problem()).startsWith("cycle at");
        assertThat(cyc.items()).hasSize(6);
    }

    @Test
    void boundedWalksKeepEveryReasonAndFoldTogether() {
        Walk.Bounded b = new Walk.Bounded(2, 3);
        assertThat(b.revisit(1)).isFalse();
        assertThat(b.add(10)).isTrue();
        b.note("bucket 7 unreadable");
        assertThat(b.add(11)).isTrue();
        assertThat(b.add(12)).isFalse();
        assertThat(b.stopped()).isTrue();
        Walk w = b.result();
        assertThat(w.items()).containsExactly(10L, 11L);
        assertThat(w.problem()).isEqualTo("bucket 7 unreadable; stopped at the limit of 2 elements");

        Walk.Bounded nodes = new Walk.Bounded(10, 2);
        assertThat(nodes.revisit(1)).isFalse();
        assertThat(nodes.revisit(2)).isFalse();
        assertThat(nodes.revisit(3)).isTrue();
        assertThat(nodes.result().problem()).isEqualTo("stopped at the limit of 2 nodes");

        Walk whole = Walk.whole(List.of(1L)).with(List.of(2L), "");
        assertThat(whole).isEqualTo(Walk.whole(List.of(1L, 2L)));
        Walk folded = whole.with(List.of(3L), "threads of task 0x1: cycle");
        assertThat(folded.complete()).isFalse();
        assertThat(folded.items()).containsExactly(1L, 2L, 3L);
    }
}
