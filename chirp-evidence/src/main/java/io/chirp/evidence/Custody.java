package io.chirp.evidence;

import io.chirp.core.OwnerOnly;
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

    /**
     * Where a commit's custody record goes instead of the default log: an {@link EvidenceStore} collecting evidence
     * binds one around the producer, so the record lands in the store's own chain, naming the content address.
     */
    @FunctionalInterface
    public interface Recorder {
        CustodyRecord record(Path target, EvidenceManifest m);
    }

    /** The recorder bound for the current collection, if any (scoped: it ends with the collection's call). */
    static final ScopedValue<Recorder> RECORDER = ScopedValue.newInstance();

    /** Work run with a recorder bound. */
    @FunctionalInterface
    public interface Work {
        void run() throws Exception;
    }

    /**
     * Runs {@code work} with {@code r} receiving the custody record of every commit made on this thread (and
     * threads it forks in a structured scope); checked exceptions come back as IO errors.
     */
    public static void withRecorder(Recorder r, Work work) {
        try {
            ScopedValue.where(RECORDER, r).call(() -> {
                work.run();
                return null;
            });
        } catch (RuntimeException e) {
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new io.chirp.core.ChirpException(io.chirp.core.ChirpException.Kind.INTERRUPTED, "collection interrupted", e);
        } catch (Exception e) {
            throw io.chirp.core.ChirpException.io("collection failed: " + e.getMessage(), e);
        }
    }

    /** Appends the record of {@code m}, committed as {@code target}: to the bound recorder, else to {@link #logFile()}. */
    static CustodyRecord record(Path target, EvidenceManifest m) {
        if (RECORDER.isBound()) return RECORDER.get().record(target, m);
        OwnerOnly.directories(logFile().getParent());
        try (CustodyLog log = open()) {
            return log.append(m.kind(), target, m.sha256(), detail(m));
        }
    }

    /**
     * {@return the record's detail: {@code key=value} pairs, sorted, separated by "; "} Source names come from
     * the operator or QEMU; a {@code ;} in them is replaced so the pairs stay parseable.
     */
    public static String detail(EvidenceManifest m) {
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
