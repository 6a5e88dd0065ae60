package io.chirp.linux;

import io.chirp.core.ChirpException;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.LongPredicate;

/**
 * Bounded walks of the kernel's linked structures, and the one mechanism every walker over guest memory uses. A
 * hostile or changing guest can make a list loop, point into unmapped memory or grow without end: every walk stops at
 * a limit, detects revisits, keeps what it found before it stopped, and says why it stopped, so a partial list is
 * marked as such instead of passed off as complete (or lost altogether).
 *
 * <p>The shapes walked here: circular {@code list_head} lists ({@link #listHead}, which walks back via {@code prev}
 * when the forward walk breaks), NULL- or marker-terminated chains ({@link #chain}: {@code hlist}, {@code hlist_nulls},
 * {@code vm_next}, {@code ftrace_ops}), {@code rb_root} trees ({@link #rbInOrder}) and xarrays/IDRs ({@link XArray}).
 * The maple tree walker ({@code mm.MapleTree}) and the socket hash tables build on {@link Bounded} directly.
 *
 * @param items     the objects found (already converted from link addresses to object addresses)
 * @param complete  true if the walk covered the whole structure with nothing odd on the way
 * @param problem   why it is partial, and what was recovered how ("" when complete)
 */
public record Walk(List<Long> items, boolean complete, String problem) {
    /** The default cap on any list: far more than a real kernel has, far less than memory can hold. */
    public static final int DEFAULT_LIMIT = 1 << 20;
    /** The default cap on the inner nodes of a tree (rbtree, xarray, maple tree) visited in one walk. */
    public static final int DEFAULT_NODE_LIMIT = 1 << 20;

    public Walk {
        items = List.copyOf(items);
        if (complete != problem.isEmpty()) throw new IllegalArgumentException("a walk is complete exactly when it has no problem");
    }

    /** {@return a complete walk of {@code items}} */
    public static Walk whole(List<Long> items) { return new Walk(items, true, ""); }

    /** {@return a walk that found {@code items} and then stopped, for {@code why}} */
    public static Walk partial(List<Long> items, String why) {
        return new Walk(items, false, why.isEmpty() ? "incomplete" : why);
    }

    /**
     * {@return this walk with more items and one more problem, when there is one} Used to fold nested walks (the
     * threads of each process, the chains of each bucket) into one result that is partial if any part was.
     */
    public Walk with(List<Long> more, String moreProblem) {
        List<Long> all = new ArrayList<>(items);
        all.addAll(more);
        String p = join(problem, moreProblem);
        return new Walk(all, p.isEmpty(), p);
    }

    private static String join(String a, String b) {
        if (a.isEmpty()) return b;
        if (b.isEmpty()) return a;
        return a + "; " + b;
    }

    /**
     * A walk under way: the one place where limits, revisits and stops are decided. A walker asks {@link #revisit}
     * before following a pointer to a node, {@link #add}s the objects it finds, and {@link #stop}s (or {@link #note}s a
     * problem and goes on) when memory disagrees; {@link #result} then says complete or partial with every reason.
     */
    public static final class Bounded {
        private final int limit, nodeLimit;
        private final List<Long> items = new ArrayList<>();
        private final Set<Long> nodes = new HashSet<>();
        private final List<String> problems = new ArrayList<>();
        private boolean stopped;

        /** @param limit most items; {@code nodeLimit}: most distinct nodes visited (links, tree nodes) */
        public Bounded(int limit, int nodeLimit) {
            if (limit < 0 || nodeLimit < 0) throw new IllegalArgumentException("negative limit");
            this.limit = limit;
            this.nodeLimit = nodeLimit;
        }

        public Bounded(int limit) { this(limit, DEFAULT_NODE_LIMIT); }

        /**
         * {@return true if {@code node} was visited before, and the walk stopped for it} Also stops (and returns
         * true) when the node budget is spent, so a walker never follows an unbounded number of pointers.
         */
        public boolean revisit(long node) {
            if (stopped) return true;
            if (nodes.contains(node)) {
                stop("cycle at 0x" + Long.toHexString(node) + " (structure corrupt or changing)");
                return true;
            }
            if (nodes.size() >= nodeLimit) {
                stop("stopped at the limit of " + nodeLimit + " nodes");
                return true;
            }
            nodes.add(node);
            return false;
        }

        /** {@return true if {@code node} was already visited (without stopping the walk)} */
        public boolean visited(long node) { return nodes.contains(node); }

        /** Adds a found object; {@return false (and the walk stopped) when the item limit is reached} */
        public boolean add(long item) {
            if (stopped) return false;
            if (items.size() >= limit) {
                stop("stopped at the limit of " + limit + " elements");
                return false;
            }
            items.add(item);
            return true;
        }

        /** {@return true if another item would exceed the limit} */
        public boolean full() { return items.size() >= limit; }

        /** Stops the walk: nothing more is added. The first reason is kept first. */
        public Bounded stop(String why) {
            if (!stopped) problems.add(why);
            stopped = true;
            return this;
        }

        /** Records a problem without stopping (a bad bucket, an entry left out): the result will be partial. */
        public void note(String problem) { problems.add(problem); }

        public boolean stopped() { return stopped; }

        /** {@return the items found so far} */
        public List<Long> items() { return Collections.unmodifiableList(items); }

        public int size() { return items.size(); }

        public Walk result() {
            String p = String.join("; ", problems);
            return new Walk(items, p.isEmpty(), p);
        }
    }

    /**
     * Walks a circular doubly linked {@code list_head} list. If the forward walk (via {@code next}) breaks (an
     * unreadable or NULL link, a link back into the list), the list is walked again backwards from the head via
     * {@code prev} until that walk meets the forward one, so a single bad pointer loses at most the elements between
     * the two breaks. The result is then partial and says what was recovered.
     *
     * @param head       address of the list_head that anchors the list (not itself an element)
     * @param linkOffset offset of the list_head member inside each element
     * @param limit      maximum number of elements
     */
    public static Walk listHead(KernelReader r, long head, long linkOffset, int limit) {
        Bounded w = new Bounded(limit, Integer.MAX_VALUE);
        long cur;
        try {
            cur = r.u64(head);
        } catch (ChirpException e) {
            return w.stop("head unreadable: " + e.getMessage()).result();
        }
        String broke = null;
        long lastGood = head;
        while (cur != head) {
            if (cur == 0) {
                broke = "NULL link after " + w.size() + " elements";
                break;
            }
            if (w.visited(cur)) {
                broke = "the link after 0x" + Long.toHexString(lastGood) + " points back into the list, at 0x"
                        + Long.toHexString(cur) + " (list corrupt or changing)";
                break;
            }
            long next;
            try {
                next = r.u64(cur);
            } catch (ChirpException e) {
                broke = "link unreadable at 0x" + Long.toHexString(cur) + " after " + w.size() + " elements: "
                        + e.getMessage();
                break;
            }
            if (w.full()) return w.stop("stopped at the limit of " + limit + " elements").result();
            w.revisit(cur);
            w.add(cur - linkOffset);
            lastGood = cur;
            cur = next;
        }
        if (broke == null) return w.result();
        return backwards(r, head, linkOffset, limit, w, lastGood, broke);
    }

    /** The second half of {@link #listHead}: from the head via {@code prev} until the forward walk is met. */
    private static Walk backwards(KernelReader r, long head, long linkOffset, int limit, Bounded forward, long lastGood,
                                  String broke) {
        List<Long> back = new ArrayList<>();
        Set<Long> seen = new HashSet<>();
        String stop = null;
        long met = 0;
        long cur;
        try {
            cur = r.u64(head + 8);
        } catch (ChirpException e) {
            cur = head;
            stop = "the head's prev is unreadable";
        }
        while (stop == null && cur != head) {
            if (cur == 0) { stop = "a NULL prev link"; break; }
            if (forward.visited(cur)) { met = cur; break; }
            if (!seen.add(cur)) { stop = "a prev link back into the list"; break; }
            if (forward.size() + back.size() >= limit) { stop = "the limit of " + limit + " elements"; break; }
            long prev;
            try {
                prev = r.u64(cur + 8);
            } catch (ChirpException e) {
                stop = "an unreadable prev link at 0x" + Long.toHexString(cur);
                break;
            }
            back.add(cur - linkOffset);
            cur = prev;
        }
        if (stop == null && met == 0 && lastGood == head) met = head; // the very first link was the broken one
        Collections.reverse(back); // list order: these come after the forward walk's elements
        StringBuilder why = new StringBuilder(broke).append("; walking back from the head via prev recovered ")
                .append(back.size()).append(back.size() == 1 ? " more element" : " more elements");
        if (met != 0 && met == lastGood) why.append(" and met the forward walk where it broke: no element is missing");
        else if (met != 0) why.append(" and met the forward walk at 0x").append(Long.toHexString(met))
                .append(", not where it broke: the list is inconsistent");
        else if (stop == null) why.append(" back to the head without meeting the forward walk: the list is inconsistent");
        else why.append(" until ").append(stop).append(": elements between the two breaks are missing");
        for (long b : back) forward.items.add(b);
        forward.stop(why.toString());
        return forward.result();
    }

    /** Walks a NULL-terminated {@code hlist_head} chain whose first pointer is at {@code headFirst}. */
    public static Walk hlist(KernelReader r, long headFirst, long linkOffset, int limit) {
        long first;
        try {
            first = r.u64(headFirst);
        } catch (ChirpException e) {
            return partial(List.of(), "head unreadable: " + e.getMessage());
        }
        return chain(r, first, 0, linkOffset, p -> p == 0, limit);
    }

    /**
     * Walks a singly linked chain: from {@code first}, each node's next pointer is at {@code node + nextOffset}, and
     * each node is the link of the object at {@code node - linkOffset}. Stops when {@code end} accepts a pointer
     * (NULL, an hlist_nulls marker, a list's sentinel object).
     */
    public static Walk chain(KernelReader r, long first, long nextOffset, long linkOffset, LongPredicate end, int limit) {
        Bounded w = new Bounded(limit, Integer.MAX_VALUE);
        long cur = first;
        while (!end.test(cur)) {
            if (w.revisit(cur)) break;
            long next;
            try {
                next = r.u64(cur + nextOffset);
            } catch (ChirpException e) {
                w.stop("link unreadable at 0x" + Long.toHexString(cur) + " after " + w.size() + " elements: "
                        + e.getMessage());
                break;
            }
            if (!w.add(cur - linkOffset)) break;
            cur = next;
        }
        return w.result();
    }

    /**
     * In-order walk of an {@code rb_root} at {@code root}: each element's rb_node is at {@code nodeOffset}; nodes keep
     * their children at {@code leftOffset} and {@code rightOffset}. Depth, node count and element count are bounded.
     */
    public static Walk rbInOrder(KernelReader r, long root, long nodeOffset, long leftOffset, long rightOffset,
                                 int limit) {
        final int maxDepth = 128; // a red-black tree of 2^64 nodes is at most 128 deep
        Bounded w = new Bounded(limit);
        ArrayList<Long> stack = new ArrayList<>();
        try {
            long cur = r.u64(root);
            while (cur != 0 || !stack.isEmpty()) {
                while (cur != 0) {
                    if (w.revisit(cur)) return w.result();
                    if (stack.size() >= maxDepth) return w.stop("tree deeper than " + maxDepth).result();
                    stack.add(cur);
                    cur = r.u64(cur + leftOffset);
                }
                cur = stack.removeLast();
                if (!w.add(cur - nodeOffset)) return w.result();
                cur = r.u64(cur + rightOffset);
            }
        } catch (ChirpException e) {
            w.stop("tree node unreadable: " + e.getMessage());
        }
        return w.result();
    }
}
