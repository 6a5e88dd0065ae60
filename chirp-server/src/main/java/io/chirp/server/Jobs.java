package io.chirp.server;

import io.chirp.core.ChirpException;
import io.chirp.hypervisor.LiveVm;
import io.chirp.hypervisor.VmAcquisition;
import io.chirp.hypervisor.VmInventory;
import io.chirp.memory.ImageFormat;
import io.chirp.evidence.store.Actor;
import io.chirp.evidence.store.EvidenceStore;
import io.chirp.evidence.store.StoredArtifact;

import java.security.SecureRandom;
import java.time.Instant;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Long work as jobs: memory acquisitions run on their own thread, report progress (bytes, total, rate, ETA) to
 * pollers and to the live stream, can be cancelled (between two chunks of the copy), and keep their outcome. Images
 * go into the server's {@link EvidenceStore} (content-addressed, with a custody record naming the caller).
 */
public final class Jobs implements AutoCloseable {
    /** Jobs kept in the list (finished ones beyond this are forgotten, oldest first; their files stay). */
    static final int MAX_KEPT = 200;
    /** Acquisitions at once: each one reads all of a guest's RAM. */
    static final int MAX_RUNNING = 2;

    /** A job's state. */
    public enum State { running, succeeded, failed, cancelled }

    /** What a job looks like from outside (the JSON of GET /api/jobs/{id} and of stream messages). */
    public record View(String id, String kind, String vm, String mode, String format, State state, String owner,
                       String created, String finished, long bytes, long total, double rate_bytes_per_s,
                       Double eta_s, String artifact, String manifest, String sha256, String error, Long pause_us,
                       String artifact_id) {}

    private final EvidenceStore store;
    private final Consumer<View> onProgress;
    private final Audit audit;
    private final Map<String, Job> jobs = new ConcurrentHashMap<>();
    private final SecureRandom random = new SecureRandom();

    Jobs(EvidenceStore store, Audit audit, Consumer<View> onProgress) {
        this.store = store;
        this.audit = audit;
        this.onProgress = onProgress;
    }

    /** Starts acquiring {@code vm}'s memory. */
    public View acquire(String vm, VmAcquisition.Mode mode, ImageFormat format, Principal who) {
        return acquire(vm, mode, format, Actor.api(who.name(), null), null);
    }

    /** Starts acquiring {@code vm}'s memory on behalf of {@code actor} (a caller, or a response rule), into {@code caseId}. */
    public View acquire(String vm, VmAcquisition.Mode mode, ImageFormat format, Actor actor, String caseId) {
        new VmInventory().find(vm); // NOT_FOUND now, not later in the job
        long running = jobs.values().stream().filter(j -> j.state == State.running).count();
        if (running >= MAX_RUNNING) throw ChirpException.unavailable(running + " acquisitions are running; try again later");
        byte[] b = new byte[8];
        random.nextBytes(b);
        String id = HexFormat.of().formatHex(b);
        String ext = format == ImageFormat.ELF_CORE ? "elf" : "lime";
        Job j = new Job(id, vm, mode, format, actor, caseId, vm + "." + ext);
        jobs.put(id, j);
        trim();
        j.thread = Thread.ofPlatform().name("chirp-job-" + id).daemon().start(() -> run(j));
        return j.view();
    }

    private void run(Job j) {
        try (LiveVm live = LiveVm.attach(new VmInventory().find(j.vm))) {
            long[] pause = {-1};
            List<StoredArtifact> got = store.collect(j.actor, j.caseId, folder -> pause[0] = VmAcquisition.acquire(live,
                    folder.resolve(j.fileName), j.format, j.mode, (done, total) -> j.progress(done, total)).qemuPauseMicros());
            if (got.size() != 1) throw new IllegalStateException("an acquisition committed " + got.size() + " files");
            j.artifact = got.getFirst();
            j.finish(State.succeeded, null, j.artifact.sha256(), pause[0] >= 0 ? pause[0] : null);
        } catch (ChirpException e) {
            boolean cancelled = j.cancelRequested && e.kind() == ChirpException.Kind.INTERRUPTED;
            j.finish(cancelled ? State.cancelled : State.failed, cancelled ? "cancelled" : e.getMessage(), null, null);
        } catch (RuntimeException e) {
            j.finish(j.cancelRequested ? State.cancelled : State.failed, "internal error: " + e, null, null);
        }
        onProgress.accept(j.view());
    }

    public List<View> list() {
        return jobs.values().stream().sorted(Comparator.comparing((Job j) -> j.created).reversed()).map(Job::view).toList();
    }

    public Optional<View> get(String id) { return Optional.ofNullable(jobs.get(id)).map(Job::view); }

    /** Asks a running job to stop; {@return its view, or empty if there is no such job} */
    public Optional<View> cancel(String id) {
        Job j = jobs.get(id);
        if (j == null) return Optional.empty();
        synchronized (j) {
            // No Thread.interrupt(): interrupting a thread inside a channel operation closes the channel, and
            // the job's QMP connection is shared with the monitor. The copy stops at its next progress report.
            if (j.state == State.running) j.cancelRequested = true;
        }
        return Optional.of(j.view());
    }

    /** {@return the job's thread finished within the time} */
    boolean await(String id, java.time.Duration d) throws InterruptedException {
        Job j = jobs.get(id);
        return j == null || j.thread.join(d);
    }

    private void trim() {
        if (jobs.size() <= MAX_KEPT) return;
        jobs.values().stream().filter(j -> j.state != State.running).sorted(Comparator.comparing(j -> j.created))
                .limit(jobs.size() - MAX_KEPT).toList().forEach(j -> jobs.remove(j.id));
    }

    @Override public void close() {
        for (Job j : jobs.values()) cancel(j.id);
        for (Job j : jobs.values()) {
            try {
                j.thread.join(java.time.Duration.ofSeconds(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** A job's mutable state; every read goes through {@link #view()} under its lock. */
    private final class Job {
        final String id, vm, owner, caseId, fileName;
        final Actor actor;
        final VmAcquisition.Mode mode;
        final ImageFormat format;
        volatile StoredArtifact artifact;
        final Instant created = Instant.now();
        final long startNanos = System.nanoTime();
        Thread thread;
        State state = State.running;
        volatile boolean cancelRequested;
        long bytes, total, lastPublish;
        Instant finished;
        String sha256, error;
        Long pauseMicros;

        Job(String id, String vm, VmAcquisition.Mode mode, ImageFormat format, Actor actor, String caseId, String fileName) {
            this.id = id;
            this.vm = vm;
            this.mode = mode;
            this.format = format;
            this.actor = actor;
            this.owner = actor.name();
            this.caseId = caseId;
            this.fileName = fileName;
        }

        void progress(long done, long all) {
            if (cancelRequested) throw new ChirpException(ChirpException.Kind.INTERRUPTED, "acquisition cancelled");
            boolean publish;
            synchronized (this) {
                bytes = done;
                total = all;
                long now = System.nanoTime();
                publish = now - lastPublish > 250_000_000L || done == all;
                if (publish) lastPublish = now;
            }
            if (publish) onProgress.accept(view());
        }

        synchronized void finish(State s, String err, String sha, Long pause) {
            state = s;
            error = err;
            sha256 = sha;
            pauseMicros = pause;
            finished = Instant.now();
        }

        synchronized View view() {
            double secs = Math.max(1e-9, ((finished != null ? finished.toEpochMilli() * 1_000_000L - created.toEpochMilli() * 1_000_000L
                    : System.nanoTime() - startNanos)) / 1e9);
            double rate = bytes / secs;
            Double eta = state == State.running && rate > 0 && total > 0 ? (total - bytes) / rate : null;
            boolean done = state == State.succeeded;
            return new View(id, "acquisition", vm, mode.name().toLowerCase(), format == ImageFormat.ELF_CORE ? "elf" : "lime",
                    state, owner, created.toString(), finished == null ? null : finished.toString(), bytes, total, rate, eta,
                    done ? store.blob(artifact).toString() : null,
                    done ? io.chirp.evidence.EvidenceManifest.pathFor(store.blob(artifact)).toString() : null, sha256, error,
                    pauseMicros, done ? artifact.id() : null);
        }
    }

    static Map<String, Object> example() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("vm", "victim");
        m.put("mode", "live");
        m.put("format", "elf");
        return m;
    }
}
