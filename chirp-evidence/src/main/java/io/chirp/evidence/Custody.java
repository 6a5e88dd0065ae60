package io.chirp.evidence;

import io.chirp.events.custody.CustodyLog;
import io.chirp.events.custody.CustodyRecord;
import io.chirp.events.store.StoreDatabase;

import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * The custody record every committed evidence file gets: who (the OS user), what (the artifact's kind, path and
 * SHA-256), when, from which source and back-end, by which CHIRP. Written by {@link EvidenceWriter#commit} only,
 * so no producer can forget it.
 */
public final class Custody {
    private Custody() {}

    /** {@return the custody log's file: the event store, {@code $CHIRP_HOME/events.db}} */
    public static Path logFile() { return StoreDatabase.defaultPath(); }

    /** {@return the log at {@link #logFile()}, created if absent; the caller closes it} */
    public static CustodyLog open() { return CustodyLog.open(logFile()); }

    /** Appends the record of {@code m}, committed as {@code target}. */
    static CustodyRecord record(Path target, EvidenceManifest m) {
        EvidenceWriter.createOwnerOnlyDirectories(logFile().getParent());
        try (CustodyLog log = open()) {
            return log.append(m.kind(), target, m.sha256(), detail(m));
        }
    }

    /**
     * {@return the record's detail: {@code key=value} pairs, sorted, separated by "; "} Source names come from
     * the operator or QEMU; a {@code ;} in them is replaced so the pairs stay parseable.
     */
    static String detail(EvidenceManifest m) {
        Map<String, String> d = new TreeMap<>();
        d.put("method", m.method());
        d.put("format", m.format());
        d.put("source", m.source().name());
        d.put("backend", m.source().backend());
        d.put("tool", m.tool() + " " + m.toolVersion());
        d.put("size", Long.toString(m.size()));
        d.put("complete", Boolean.toString(m.complete()));
        StringBuilder sb = new StringBuilder();
        d.forEach((k, v) -> sb.append(sb.isEmpty() ? "" : "; ").append(k).append('=').append(v.replace(';', ',')));
        return sb.toString();
    }
}
