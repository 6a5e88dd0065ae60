package io.chirp.events.sink;

import io.chirp.events.OcsfEvent;

import java.io.PrintStream;
import java.util.Objects;

/**
 * Prints each event as one JSON line and flushes at once, so a pipe ({@code | jq}) sees events live. Guest strings
 * are JSON-escaped by Jackson, control characters included, so they cannot drive a terminal.
 */
public final class StdoutSink implements EventSink {
    private final PrintStream out;

    public StdoutSink(PrintStream out) { this.out = Objects.requireNonNull(out); }

    @Override public synchronized void accept(OcsfEvent event) {
        out.println(event.toJsonLine());
        out.flush();
    }

    @Override public synchronized void flush() { out.flush(); }

    /** Flushes; standard output itself stays open for the rest of the program. */
    @Override public synchronized void close() { out.flush(); }
}
