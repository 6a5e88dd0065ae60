package io.chirp.events.sink;

import io.chirp.core.ChirpException;
import io.chirp.events.OcsfEvent;
import io.chirp.events.store.EventStore;
import io.chirp.events.store.StoreDatabase;

import java.io.PrintStream;
import java.nio.file.Path;

/** A destination for events. Fed by one thread; {@link #close()} makes everything accepted durable. */
public sealed interface EventSink extends AutoCloseable permits StoreSink, JsonLinesSink, StdoutSink {
    /** Takes an event; it may be buffered until the next {@link #flush()}. */
    void accept(OcsfEvent event);

    /** Writes out everything accepted so far. */
    void flush();

    /** Flushes, makes the output durable, and releases the destination. */
    @Override void close();

    /**
     * {@return the sink a {@code --sink} option names: {@code store} (default file), {@code store:PATH},
     * {@code jsonl:FILE} or {@code stdout}}
     */
    static EventSink parse(String spec, PrintStream stdout) {
        if (spec.equals("stdout")) return new StdoutSink(stdout);
        if (spec.equals("store")) return new StoreSink(EventStore.open(StoreDatabase.defaultPath()), true);
        if (spec.startsWith("store:") && spec.length() > 6) {
            return new StoreSink(EventStore.open(Path.of(spec.substring(6))), true);
        }
        if (spec.startsWith("jsonl:") && spec.length() > 6) return new JsonLinesSink(Path.of(spec.substring(6)));
        throw ChirpException.usage("unknown sink '" + spec + "': use store, store:PATH, jsonl:FILE or stdout");
    }
}
