package io.chirp.server;

import io.chirp.tables.GuestJson;
import io.chirp.core.OwnerOnly;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chirp.events.custody.CustodyLog;
import io.chirp.events.custody.CustodyRecord;
import io.chirp.events.custody.CustodyVerification;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The server's audit trail, written to chirp-events' hash-chained, append-only custody log (in the server's
 * folder): every call that reads guest data or changes anything (who, what, when, from where, and the outcome), and
 * every image a job wrote (with its SHA-256). The record is written before the reply is sent; when it cannot be
 * written the caller gets a 500 instead of the data: no read of guest data leaves unaudited.
 */
public final class Audit implements AutoCloseable {
    private static final ObjectMapper JSON = GuestJson.mapper();
    private final CustodyLog log;

    Audit(Path file) {
        this.log = CustodyLog.open(file);
        OwnerOnly.restrict(file);
    }

    /** Records an API call. */
    public void call(String actor, Route route, String path, String remote, int status, Map<String, String> query) {
        ObjectNode d = JSON.createObjectNode();
        d.put("from", remote);
        d.put("status", status);
        d.put("operation", route.id());
        if (!query.isEmpty()) {
            ObjectNode q = d.putObject("query");
            query.forEach(q::put);
        }
        log.append(actor, "api " + route.method() + " " + route.path(), path, null, d.toString());
    }

    /** Records something done to evidence (an image written), with its hash. */
    public void custody(String actor, String action, String artifact, String sha256, String detail) {
        log.append(actor, action, artifact, sha256, detail);
    }

    public List<CustodyRecord> records() { return log.records(); }

    public CustodyVerification verify() { return log.verify(); }

    @Override public void close() { log.close(); }
}
