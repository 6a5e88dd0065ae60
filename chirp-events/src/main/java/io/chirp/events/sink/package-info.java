/**
 * Where events go: the embedded store (the default), a JSON lines file, or standard output.
 *
 * <pre>
 *   producer thread ──accept(e)──► EventSink ──flush()/close()──► durable
 *                                   ├─ StoreSink      batches → one SQLite transaction per batch
 *                                   ├─ JsonLinesSink  batches → appended lines; fsync on close
 *                                   └─ StdoutSink     one line per event, flushed at once (for pipes and tail)
 * </pre>
 *
 * A sink is fed by one thread. {@link io.chirp.events.sink.EventSink#parse} reads the {@code --sink} option.
 */
package io.chirp.events.sink;
