package io.chirp.linux;

import io.chirp.core.ChirpException;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Bounded walks of the kernel's linked structures. A hostile or changing guest can make a list loop, point
 * into unmapped memory or grow without end: every walk stops at a limit, detects revisits, and reports why it
 * stopped, so a partial list is marked as such instead of passed off as complete.
 *
 * @param items     the objects found (already converted from link addresses to object addresses)
 * @param complete  true if the walk came back to its head normally
 * @param problem   why it stopped early ("" when complete)
 */
public record Walk(List<Long> items, boolean complete, String problem) {
    /** The default cap on any list: far more than a real kernel has, far less than memory can hold. */
    public static final int DEFAULT_LIMIT = 1 << 20;

    public Walk {
        items = List.copyOf(items);
    }

    /**
     * Walks a circular {@code list_head} list.
     *
     * @param head       address of the list_head that anchors the list (not itself an element)
     * @param linkOffset offset of the list_head member inside each element
     * @param limit      maximum number of elements
     */
    public static Walk listHead(KernelReader r, long head, long linkOffset, int limit) {
        List<Long> items = new ArrayList<>();
        Set<Long> seen = new HashSet<>();
        long cur;
        try {
            cur = r.u64(head);
        } catch (ChirpException e) {
            return new Walk(items, false, "head unreadable: " + e.getMessage());
        }
        while (cur != head) {
            if (items.size() >= limit) return new Walk(items, false, "stopped at the limit of " + limit + " elements");
            if (!seen.add(cur)) return new Walk(items, false, "cycle at 0x" + Long.toHexString(cur) + " (list corrupt or changing)");
            if (cur == 0) return new Walk(items, false, "NULL link after " + items.size() + " elements");
            items.add(cur - linkOffset);
            try {
                cur = r.u64(cur);
            } catch (ChirpException e) {
                return new Walk(items, false, "link unreadable at 0x" + Long.toHexString(cur) + ": " + e.getMessage());
            }
        }
        return new Walk(items, true, "");
    }

    /** Walks a NULL-terminated {@code hlist_head} chain whose first pointer is at {@code headFirst}. */
    public static Walk hlist(KernelReader r, long headFirst, long linkOffset, int limit) {
        List<Long> items = new ArrayList<>();
        Set<Long> seen = new HashSet<>();
        long cur;
        try {
            cur = r.u64(headFirst);
        } catch (ChirpException e) {
            return new Walk(items, false, "head unreadable: " + e.getMessage());
        }
        while (cur != 0) {
            if (items.size() >= limit) return new Walk(items, false, "stopped at the limit of " + limit + " elements");
            if (!seen.add(cur)) return new Walk(items, false, "cycle at 0x" + Long.toHexString(cur));
            items.add(cur - linkOffset);
            try {
                cur = r.u64(cur);
            } catch (ChirpException e) {
                return new Walk(items, false, "link unreadable at 0x" + Long.toHexString(cur) + ": " + e.getMessage());
            }
        }
        return new Walk(items, true, "");
    }
}
