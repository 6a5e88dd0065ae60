package io.chirp.events.sink;

import io.chirp.events.OcsfEvent;
import io.chirp.events.store.EventStore;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** Writes events to the embedded store in batches: one transaction per batch keeps SQLite fast and atomic. */
public final class StoreSink implements EventSink {
    /** Events per transaction when the caller does not say. */
    public static final int DEFAULT_BATCH = 256;

    private final EventStore store;
    private final boolean ownsStore;
    private final int batchSize;
    private final List<OcsfEvent> pending = new ArrayList<>();

    /** @param ownsStore close the store when the sink closes */
    public StoreSink(EventStore store, boolean ownsStore) { this(store, ownsStore, DEFAULT_BATCH); }

    public StoreSink(EventStore store, boolean ownsStore, int batchSize) {
        if (batchSize <= 0) throw new IllegalArgumentException("batchSize must be positive");
        this.store = Objects.requireNonNull(store, "store");
        this.ownsStore = ownsStore;
        this.batchSize = batchSize;
    }

    @Override public synchronized void accept(OcsfEvent event) {
        pending.add(Objects.requireNonNull(event));
        if (pending.size() >= batchSize) flush();
    }

    @Override public synchronized void flush() {
        if (pending.isEmpty()) return;
        store.insert(pending);
        pending.clear();
    }

    @Override public synchronized void close() {
        try {
            flush();
        } finally {
            if (ownsStore) store.close();
        }
    }
}
