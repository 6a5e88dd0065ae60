package io.chirp.server;

import java.io.IOException;
import java.io.OutputStream;

/** What a handler answers: a JSON document, a download, or an event stream. */
public sealed interface Reply {
    /** A JSON body (anything Jackson writes: records, maps, lists, JsonNodes). */
    record Json(int status, Object body) implements Reply {}

    /** A file to download, written straight to the response as it is produced. */
    record Download(String contentType, String filename, Body body) implements Reply {}

    /** A Server-Sent Events stream that runs until the client leaves or the server stops. */
    record Stream(EventHub.Subscription subscription) implements Reply {}

    /** Writes a download's bytes. */
    @FunctionalInterface
    interface Body {
        void writeTo(OutputStream out) throws IOException;
    }

    static Reply ok(Object body) { return new Json(200, body); }
}
