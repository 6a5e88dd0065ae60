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
 */
public record EventQuery(String vm, Instant since, Integer classUid, int limit) {
    /** Default number of events returned. */
    public static final int DEFAULT_LIMIT = 1000;

    public EventQuery {
        if (limit <= 0) throw new IllegalArgumentException("limit must be positive");
    }

    /** {@return a query for everything, up to the default limit} */
    public static EventQuery all() { return new EventQuery(null, null, null, DEFAULT_LIMIT); }

    public EventQuery vm(String v) { return new EventQuery(v, since, classUid, limit); }

    public EventQuery since(Instant v) { return new EventQuery(vm, v, classUid, limit); }

    public EventQuery classUid(Integer v) { return new EventQuery(vm, since, v, limit); }

    public EventQuery limit(int v) { return new EventQuery(vm, since, classUid, v); }
}
