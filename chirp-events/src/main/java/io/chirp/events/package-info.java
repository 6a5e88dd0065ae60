/**
 * CHIRP's normalized events: what the monitor and detectors emit, in OCSF 1.8.0.
 *
 * <pre>
 *   monitor / tracer / detector
 *        │  typed facts (ProcessInfo, KernelModule, Endpoint, ...)
 *        ▼
 *   build.*Activity / build.DetectionFinding ──► OcsfEvent (immutable JSON) ──► sink.EventSink
 *                                                     │                           ├─ StoreSink (SQLite, queryable)
 *                                     validate.EventValidator (tests)             ├─ JsonLinesSink
 *                                     against schema.OcsfSchema                   └─ StdoutSink
 * </pre>
 *
 * Strings inside events come from the guest and are untrusted: they are only ever written through Jackson (which
 * escapes them for JSON) and must be escaped again for a terminal by whoever prints them.
 * Evidence handling is recorded in {@link io.chirp.events.custody}'s hash-chained log, kept in the same store.
 */
package io.chirp.events;
