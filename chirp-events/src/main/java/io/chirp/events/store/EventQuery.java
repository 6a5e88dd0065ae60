package io.chirp.events.store;

import java.time.Instant;

/**
 * What to read from the store. Results are the <em>latest</em> {@code limit} matching events, returned in time
 * order (like {@code journalctl -n}).
 *
 * @param vm       only this VM (device.name), or null for all
 * @param since    only events at or after this time, or null
 * @param classUid only this class_uid, or null
 * @param limit    at most this many (positive)
 * @param before   only events older than this one (a page further back in time), or null for the newest
 */
public record EventQuery(String vm, Instant since, Integer classUid, int limit, Cursor before) {
    /**
     * Where a page of results ends: its oldest event's time and store id. The store orders by (time, id), so the
     * next page, {@link #before(Cursor)} it, holds every older event once, however many share a millisecond.
     */
    public record Cursor(long time, long id) {
        /** {@return the cursor after {@code e}, the oldest event of a page} */
        public static Cursor after(StoredEvent e) { return new Cursor(e.time(), e.id()); }

        /** {@return the cursor written as {@link #toString()} writes it: TIME.ID} */
        public static Cursor parse(String s) {
            int dot = s.indexOf('.');
            if (dot <= 0) throw new IllegalArgumentException("a cursor is TIME.ID: " + s);
            return new Cursor(Long.parseLong(s.substring(0, dot)), Long.parseLong(s.substring(dot + 1)));
        }

        @Override public String toString() { return time + "." + id; }
    }

    public EventQuery(String vm, Instant since, Integer classUid, int limit) { this(vm, since, classUid, limit, null); }

    /** Default number of events returned. */
    public static final int DEFAULT_LIMIT = 1000;

    public EventQuery {
        if (limit <= 0) throw new IllegalArgumentException("limit must be positive");
    }

    /** {@return a query for everything, up to the default limit} */
    public static EventQuery all() { return new EventQuery(null, null, null, DEFAULT_LIMIT); }

    public EventQuery vm(String v) { return new EventQuery(v, since, classUid, limit, before); }

    public EventQuery since(Instant v) { return new EventQuery(vm, v, classUid, limit, before); }

    public EventQuery classUid(Integer v) { return new EventQuery(vm, since, v, limit, before); }

    public EventQuery limit(int v) { return new EventQuery(vm, since, classUid, v, before); }

    public EventQuery before(Cursor v) { return new EventQuery(vm, since, classUid, limit, v); }
}
