package io.chirp.server;

import io.chirp.tables.GuestJson;
import io.chirp.core.OwnerOnly;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chirp.core.ChirpException;
import io.chirp.events.custody.CustodyLog;
import io.chirp.events.custody.CustodyRecord;
import io.chirp.events.custody.CustodyVerification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The server's audit trail, written to chirp-events' hash-chained, append-only custody log (in the server's
 * folder): every call that reads guest data or changes anything (who, what, when, from where, and the outcome), and
 * every image a job wrote (with its SHA-256).
 *
 * <p>Records are group-committed: one writer thread appends everything queued in one transaction (one fsync), so
 * the log's rate is fsyncs/s times the batch, not one synchronous commit per call (which held cached views to
 * about 2 requests/s on this machine's disk). When a call waits depends on what it does:
 * <ul>
 *   <li>a mutating call (anything but GET) and every custody record: the caller waits until its record is durable,
 *       so an action is never acknowledged unaudited; when the record cannot be written the caller gets a 500;</li>
 *   <li>a read (GET): its record is queued before the reply is sent and committed with the next group (within
 *       milliseconds); a crash in that window can lose the newest read records, never a mutation's. A read whose
 *       record fails is logged as an AUDIT FAILURE, and the next calls fail until the log writes again.</li>
 * </ul>
 */
public final class Audit implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Audit.class);
    private static final ObjectMapper JSON = GuestJson.mapper();
    /** Most records in one commit. */
    static final int MAX_BATCH = 1024;
    /** Longest a durable caller waits for its commit. */
    private static final long WAIT_S = 30;

    private record Pending(CustodyLog.Entry entry, CompletableFuture<Void> done) {}

    private final CustodyLog custody;
    private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>(64 * MAX_BATCH);
    private final Thread writer;
    private volatile boolean closing;
    /** The last group's failure, until a group commits again: reads then fail instead of going unaudited. */
    private volatile RuntimeException broken;
    /** Records queued, and records committed or failed, since start: a reader waits for the second to reach the first. */
    private final java.util.concurrent.atomic.AtomicLong queued = new java.util.concurrent.atomic.AtomicLong(),
            settled = new java.util.concurrent.atomic.AtomicLong();

    Audit(Path file) {
        this.custody = CustodyLog.open(file);
        OwnerOnly.restrict(file);
        this.writer = Thread.ofPlatform().name("chirp-audit").daemon().start(this::write);
    }

    /** Records an API call: durable before this returns for a mutating method, queued for the next commit for a GET. */
    public void call(String actor, Route route, String path, String remote, int status, Map<String, String> query) {
        ObjectNode d = JSON.createObjectNode();
        d.put("from", remote);
        d.put("status", status);
        d.put("operation", route.id());
        if (!query.isEmpty()) {
            ObjectNode q = d.putObject("query");
            query.forEach(q::put);
        }
        append(new CustodyLog.Entry(actor, "api " + route.method() + " " + route.path(), path, null, d.toString()),
                !route.method().equals("GET"));
    }

    /** Records something done to evidence (an image written), with its hash; durable when this returns. */
    public void custody(String actor, String action, String artifact, String sha256, String detail) {
        append(new CustodyLog.Entry(actor, action, artifact, sha256, detail), true);
    }

    private void append(CustodyLog.Entry e, boolean durable) {
        // a read while the log fails is refused; a mutation tries again (its commit clears the failure)
        RuntimeException b = broken;
        if (!durable && b != null) throw b;
        if (closing) throw ChirpException.unavailable("the audit log is closed");
        Pending p = new Pending(e, new CompletableFuture<>());
        CompletableFuture<Void> waitFor = p.done();
        try {
            synchronized (queue) {
                // counted and queued together, so a reader's target covers exactly what was queued before it
                if (queue.offer(p)) {
                    queued.incrementAndGet();
                    p = null;
                }
            }
            if (p != null) throw ChirpException.unavailable("the audit log is " + queue.size() + " records behind");
            if (durable) waitFor.get(WAIT_S, TimeUnit.SECONDS);
        } catch (InterruptedException x) {
            Thread.currentThread().interrupt();
            throw new ChirpException(ChirpException.Kind.INTERRUPTED, "interrupted while auditing", x);
        } catch (ExecutionException x) {
            throw x.getCause() instanceof RuntimeException r ? r : new IllegalStateException(x.getCause());
        } catch (TimeoutException x) {
            throw ChirpException.unavailable("the audit log did not commit within " + WAIT_S + " s");
        }
    }

    /** The writer: everything queued since the last commit goes in one transaction. */
    private void write() {
        List<Pending> batch = new ArrayList<>(MAX_BATCH);
        while (!closing || !queue.isEmpty()) {
            try {
                Pending first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) continue;
                batch.add(first);
                queue.drainTo(batch, MAX_BATCH - 1);
                custody.appendAll(batch.stream().map(Pending::entry).toList());
                broken = null;
                for (Pending p : batch) p.done().complete(null);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                log.error("AUDIT FAILURE: {} records not written: {}", batch.size(), e.toString());
                broken = e;
                for (Pending p : batch) p.done().completeExceptionally(e);
            } finally {
                settled.addAndGet(batch.size());
                batch.clear();
            }
        }
    }

    public List<CustodyRecord> records() {
        awaitCommitted();
        return custody.records();
    }

    public CustodyVerification verify() {
        awaitCommitted();
        return custody.verify();
    }

    /** Waits until every record queued before this call is committed (or failed): a reader of the log sees them all. */
    private void awaitCommitted() {
        long target = queued.get();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
        while (settled.get() < target && System.nanoTime() < deadline && writer.isAlive()) {
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    @Override public void close() {
        closing = true;
        try {
            writer.join(TimeUnit.SECONDS.toMillis(WAIT_S));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        custody.close();
    }
}
