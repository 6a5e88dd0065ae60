package io.chirp.server;

import io.chirp.core.ChirpException;
import io.chirp.evidence.EvidenceManifest;
import io.chirp.evidence.store.Actor;
import io.chirp.evidence.store.EvidenceStore;
import io.chirp.evidence.store.StoredArtifact;
import io.chirp.hypervisor.VmAcquisition;
import io.chirp.hypervisor.backend.Capability;
import io.chirp.hypervisor.backend.VmBackends;
import io.chirp.hypervisor.backend.VmHandle;
import io.chirp.hypervisor.backend.VmInfo;
import io.chirp.disk.DiskTarget;
import io.chirp.disk.acquire.AcquiredDisk;
import io.chirp.disk.acquire.DiskAcquisition;
import io.chirp.memory.ImageFormat;
import io.chirp.tables.DiskTables;
import io.chirp.memory.acquire.MemoryAcquirer;

import java.nio.file.Path;
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
 * Long work as jobs (memory and disk acquisitions, captures, extractions, ISF exports, body files): each runs on
 * its own thread, reports progress (bytes, total, rate, ETA) to pollers and to the live stream, can be cancelled
 * (at its next progress report: a migration-mode acquisition reports its migration stream too; or, for work that
 * reports none, at its next disk read: {@code BlockSource.cancellable},
 * or between an ISF export's types, symbols and output chunks: {@code IsfWriter.Cancel}),
 * and keeps its outcome. What a job does is a {@link Work}; {@link JobRoutes} holds
 * the kinds the API starts.
 *
 * <p>Every file a job produces is written by chirp-evidence's {@code EvidenceWriter} (partial file, SHA-256 while
 * writing, fsync, atomic rename, manifest) into a private folder of the server's {@link EvidenceStore}, which
 * re-hashes each one, moves it to its content address and records its custody (the caller, or the response rule
 * and its alert) and case.
 */
public final class Jobs implements AutoCloseable {
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();
    /** Jobs kept in the list (finished ones beyond this are forgotten, oldest first; their files stay). */
    static final int MAX_KEPT = 200;
    /** Jobs at once: an acquisition reads all of a guest's RAM or disk, and the machine is shared. */
    static final int MAX_RUNNING = 3;

    /** A job's state. */
    public enum State { running, succeeded, failed, cancelled }

    /**
     * What a job looks like from outside (the JSON of GET /api/jobs/{id} and of stream messages).
     *
     * @param parameters what it was started with (validated)
     * @param result     what it produced besides its artifact, e.g. the rows of the files it extracted; null if nothing
     */
    public record View(String id, String kind, String vm, String mode, String format, State state, String owner,
                       String created, String finished, long bytes, long total, double rate_bytes_per_s,
                       Double eta_s, String artifact, String manifest, String sha256, String error, Long pause_us,
                       Map<String, Object> parameters, Object result, String artifact_id) {}

    /** Reports progress; throws {@link ChirpException.Kind#INTERRUPTED} once the job is cancelled. */
    public interface Progress {
        void update(long done, long total);

        /** {@return true once cancellation was asked for} (for work that waits rather than copies) */
        boolean cancelled();
    }

    /** A job's work: runs in the job's folder and says what it made. */
    @FunctionalInterface
    public interface Work {
        Outcome run(Path folder, Progress progress) throws Exception;
    }

    /**
     * What a job made.
     *
     * @param artifact    the main file (null if none), in the job's folder
     * @param manifest    its manifest
     * @param sha256      its SHA-256
     * @param pauseMicros how long the guest was paused, or null
     * @param result      other output (table rows), or null
     * @param action      what the custody record says was done, e.g. "acquire memory (live, elf)"
     */
    public record Outcome(Path artifact, Path manifest, String sha256, Long pauseMicros, Object result, String action) {}

    private final EvidenceStore store;
    private final Consumer<View> onProgress;
    private final Audit audit;
    private final Map<String, Job> jobs = new ConcurrentHashMap<>();
    private final SecureRandom random = new SecureRandom();
    /** The fleet's command channel, or null without --kafka. */
    private volatile io.chirp.fleet.CommandChannel fleet;

    Jobs(EvidenceStore store, Audit audit, Consumer<View> onProgress) {
        this.store = store;
        this.audit = audit;
        this.onProgress = onProgress;
    }

    /**
     * Starts acquiring {@code vm}'s memory (any back-end, {@code BACKEND:NAME}) on behalf of {@code actor} (a caller,
     * or a response rule), into {@code caseId}. A VM that lacks what the mode needs is refused now, naming the
     * capability, not later in the job.
     */
    public View acquire(String vm, VmAcquisition.Mode mode, ImageFormat format, Actor actor, String caseId) {
        VmInfo info = VmBackends.find(vm, Optional.empty()); // NOT_FOUND now, not later in the job
        info.require(switch (mode) {
            case LIVE -> Capability.MEMORY;
            case CONSISTENT -> Capability.PAUSE;
            case MIGRATION -> Capability.CONSISTENT_IMAGE;
        });
        String m = mode.name().toLowerCase(java.util.Locale.ROOT), f = format == ImageFormat.ELF_CORE ? "elf" : "lime";
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("mode", m);
        params.put("format", f);
        return start("acquisition", vm, params, actor, caseId, (dir, p) -> {
            Path image = dir.resolve(fileName(vm) + "." + f);
            try (VmHandle h = VmBackends.open(vm, Optional.empty())) {
                VmAcquisition.Result r = h.acquire(image, format, mode, p::update);
                return new Outcome(image, MemoryAcquirer.manifestPath(image), r.manifest().sha256(),
                        r.qemuPauseMicros() >= 0 ? r.qemuPauseMicros() : null, null, "acquire memory (" + m + ", " + f + ")");
            }
        });
    }

    /** Lets jobs run on fleet sensors through {@code channel}. */
    void fleet(io.chirp.fleet.CommandChannel channel) { this.fleet = channel; }

    /** How long a sensor has to pick a command up before it refuses it as expired. */
    static final java.time.Duration COMMAND_TTL = java.time.Duration.ofMinutes(10);
    /** How long a remote acquisition may take, transfer included. */
    static final java.time.Duration REMOTE_MAX = java.time.Duration.ofHours(2);

    /**
     * Starts acquiring the memory of {@code vm} on fleet sensor {@code sensor}'s host: a signed command on the
     * sensor's command topic; the sensor's replies (correlated by the command's id, in the job's parameters) are the
     * job's progress; the image arrives in chunks, is verified against the sensor's SHA-256 and manifest, and goes
     * into this server's evidence store like a local acquisition's, with the sensor's custody records imported.
     */
    public View acquireOnSensor(String sensor, String vm, VmAcquisition.Mode mode, ImageFormat format, Actor actor, String caseId) {
        io.chirp.fleet.CommandChannel channel = fleet;
        if (channel == null) throw ChirpException.usage("sensor " + sensor + ": this server takes in no fleet (start it with --kafka)");
        String m = mode.name().toLowerCase(java.util.Locale.ROOT), f = format == ImageFormat.ELF_CORE ? "elf" : "lime";
        byte[] b = new byte[16];
        random.nextBytes(b);
        long now = System.currentTimeMillis();
        io.chirp.fleet.FleetCommand command = new io.chirp.fleet.FleetCommand(HexFormat.of().formatHex(b), sensor,
                io.chirp.fleet.FleetCommand.Action.ACQUIRE_MEMORY, vm, Map.of("mode", m, "format", f), now, now + COMMAND_TTL.toMillis());
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("mode", m);
        params.put("format", f);
        params.put("sensor", sensor);
        params.put("command", command.id());
        String id = newId();
        // kept with the command in the channel's journal: a restarted server resumes this job (resumeOnSensor)
        var job = JSON.createObjectNode().put("id", id).put("vm", vm).put("case", caseId);
        job.set("parameters", JSON.valueToTree(params));
        job.set("actor", JSON.valueToTree(actor));
        return start(id, "acquisition", vm, params, actor, caseId, false, (dir, p) -> {
            Path image = dir.resolve(vm + "." + f);
            String sha = channel.run(command, job, image, p::update, p::cancelled, REMOTE_MAX);
            return new Outcome(image, EvidenceManifest.pathFor(image), sha, null, null,
                    "acquire memory (" + m + ", " + f + ") on sensor " + sensor + ", command " + command.id());
        });
    }

    /**
     * Takes up, under its old id, a remote acquisition an earlier run of the server had in flight when it stopped
     * or was killed: the command is not sent again; its chunks and replies are read on from where they were.
     */
    View resumeOnSensor(io.chirp.fleet.CommandChannel.Unfinished u) {
        io.chirp.fleet.CommandChannel channel = fleet;
        var j = u.job();
        Map<String, Object> params = new LinkedHashMap<>();
        j.path("parameters").properties().forEach(e -> params.put(e.getKey(), e.getValue().asText()));
        Actor actor;
        try {
            actor = JSON.treeToValue(j.path("actor"), Actor.class);
        } catch (com.fasterxml.jackson.core.JsonProcessingException | IllegalArgumentException e) {
            actor = Actor.api("unknown", null);
        }
        String vm = u.command().vm(), m = String.valueOf(params.get("mode")), f = String.valueOf(params.get("format"));
        String id = j.path("id").asText("").matches("[0-9a-f]{16}") ? j.get("id").asText() : newId();
        String caseId = j.path("case").isTextual() ? j.get("case").asText() : null;
        return start(id, "acquisition", vm, params, actor, caseId, true, (dir, p) -> {
            if (!f.equals("elf") && !f.equals("lime")) throw ChirpException.corrupt("the journal of command " + u.command().id() + " names format " + f);
            Path image = dir.resolve(vm + "." + f);
            String sha = channel.resume(u.command().id(), image, p::update, p::cancelled, REMOTE_MAX);
            return new Outcome(image, EvidenceManifest.pathFor(image), sha, null, null, "acquire memory (" + m + ", " + f
                    + ") on sensor " + u.command().sensor() + ", command " + u.command().id() + ", resumed after a server restart");
        });
    }

    /**
     * Starts imaging {@code vm}'s disk {@code disk} (the first when empty) at one point in time (raw or qcow2,
     * hashed, with a manifest) on behalf of {@code actor}, into {@code caseId}: for the API and response rules.
     */
    public View acquireDisk(String vm, Optional<String> disk, DiskAcquisition.Format format, Actor actor, String caseId) {
        VmBackends.find(vm, Optional.empty()).require(Capability.DISK_VIEWS);
        String ext = format == DiskAcquisition.Format.QCOW2 ? "qcow2" : "raw";
        Map<String, Object> params = new LinkedHashMap<>();
        disk.ifPresent(d -> params.put("disk", d));
        params.put("image_format", ext);
        return start("disk-acquisition", vm, params, actor, caseId, (dir, p) -> {
            try (DiskTarget t = DiskTarget.vm(vm, disk)) {
                AcquiredDisk a = DiskAcquisition.acquire(t, dir.resolve(fileName(vm) + "-disk." + ext), format, p::update);
                return new Outcome(a.output(), a.manifest(), a.fileSha256(), null,
                        Api.tableJson(DiskTables.ACQUIRED.rows(List.of(new DiskTables.AcquiredRow(a, ext)))),
                        "acquire disk (" + ext + ")");
            }
        });
    }

    /** {@return a VM reference ({@code libvirt:web1}) as a file name in a job's folder} */
    static String fileName(String vm) { return vm.replaceAll("[^A-Za-z0-9._+-]", "_"); }

    /**
     * Starts a job.
     *
     * @param kind       what it is (acquisition, disk-acquisition, capture, extraction, isf-export, disk-timeline)
     * @param vm         the VM it works on (already checked to exist)
     * @param parameters its validated parameters, shown in its view
     */
    public View start(String kind, String vm, Map<String, Object> parameters, Principal who, Work work) {
        return start(kind, vm, parameters, Actor.api(who.name(), null), null, work);
    }

    /** Starts a job on behalf of {@code actor}; what it makes goes into the store, filed under {@code caseId} (may be null). */
    public View start(String kind, String vm, Map<String, Object> parameters, Actor actor, String caseId, Work work) {
        return start(newId(), kind, vm, parameters, actor, caseId, false, work);
    }

    private String newId() {
        byte[] b = new byte[8];
        random.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /** Starts job {@code id}; a {@code resumed} one (admitted by an earlier run) is not held to {@link #MAX_RUNNING}. */
    private synchronized View start(String id, String kind, String vm, Map<String, Object> parameters, Actor actor, String caseId,
                                    boolean resumed, Work work) {
        long running = jobs.values().stream().filter(j -> j.state == State.running).count();
        if (running >= MAX_RUNNING && !resumed) throw ChirpException.unavailable(running + " jobs are running; try again later");
        Job j = new Job(id, kind, vm, parameters, actor.name());
        jobs.put(id, j);
        trim();
        j.thread = Thread.ofPlatform().name("chirp-job-" + id).daemon().start(() -> run(j, actor, caseId, work));
        return j.view();
    }

    private void run(Job j, Actor actor, String caseId, Work work) {
        try {
            Outcome[] made = new Outcome[1];
            Path[] folder = new Path[1];
            List<StoredArtifact> got = store.collect(actor, caseId, dir -> {
                folder[0] = dir;
                made[0] = work.run(dir, j);
            });
            Outcome o = made[0];
            StoredArtifact main = null;
            if (o.artifact() != null) {
                if (!o.artifact().toAbsolutePath().normalize().startsWith(folder[0].toAbsolutePath().normalize())) {
                    throw new ChirpException(ChirpException.Kind.INTERNAL, "a job wrote outside its folder: " + o.artifact(), null);
                }
                String name = o.artifact().getFileName().toString(), sha = o.sha256();
                main = got.stream().filter(a -> a.sha256().equals(sha)).findFirst()
                        .or(() -> got.stream().filter(a -> name.equals(a.name())).findFirst())
                        .orElseThrow(() -> new ChirpException(ChirpException.Kind.INTERNAL,
                                "the store did not take in the job's artifact " + name, null));
                Path blob = store.blob(main);
                o = new Outcome(blob, EvidenceManifest.pathFor(blob), main.sha256(), o.pauseMicros(), o.result(), o.action());
            }
            j.artifactId = main == null ? null : main.id();
            j.finish(j.cancelRequested ? State.cancelled : State.succeeded, j.cancelRequested ? "cancelled" : null, o);
            audit.custody(j.owner, o.action(), o.artifact() == null ? "job " + j.id : o.artifact().toString(), o.sha256(),
                    "job " + j.id + " vm " + j.vm + (main == null ? "" : " artifact " + main.id()));
        } catch (ChirpException e) {
            boolean cancelled = j.cancelRequested && e.kind() == ChirpException.Kind.INTERRUPTED;
            j.fail(cancelled ? State.cancelled : State.failed, cancelled ? "cancelled" : e.getMessage());
        } catch (Exception e) {
            j.fail(j.cancelRequested ? State.cancelled : State.failed, "internal error: " + e);
        }
        onProgress.accept(j.view());
    }

    public List<View> list() {
        return jobs.values().stream().sorted(Comparator.comparing((Job j) -> j.created).reversed()).map(Job::view).toList();
    }

    public Optional<View> get(String id) { return Optional.ofNullable(jobs.get(id)).map(Job::view); }

    /** {@return the artifact of a finished job, if it succeeded and made one} */
    Optional<Path> artifact(String id) {
        Job j = jobs.get(id);
        if (j == null) return Optional.empty();
        synchronized (j) {
            return j.state == State.succeeded && j.outcome != null ? Optional.ofNullable(j.outcome.artifact()) : Optional.empty();
        }
    }

    /** Asks a running job to stop; {@return its view, or empty if there is no such job} */
    public Optional<View> cancel(String id) {
        Job j = jobs.get(id);
        if (j == null) return Optional.empty();
        synchronized (j) {
            // No Thread.interrupt(): interrupting a thread inside a channel operation closes the channel, and
            // the job's QMP connection is shared with the monitor. The work stops at its next progress report, or
            // at its next disk read for walks and extractions, which report none.
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
    private final class Job implements Progress {
        final String id, kind, vm, owner;
        final Map<String, Object> parameters;
        final Instant created = Instant.now();
        final long startNanos = System.nanoTime();
        Thread thread;
        State state = State.running;
        volatile boolean cancelRequested;
        long bytes, total, lastPublish;
        Instant finished;
        String error;
        Outcome outcome;
        volatile String artifactId;

        Job(String id, String kind, String vm, Map<String, Object> parameters, String owner) {
            this.id = id;
            this.kind = kind;
            this.vm = vm;
            this.parameters = Map.copyOf(parameters);
            this.owner = owner;
        }

        @Override public void update(long done, long all) {
            if (cancelRequested) throw new ChirpException(ChirpException.Kind.INTERRUPTED, kind + " cancelled");
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

        @Override public boolean cancelled() { return cancelRequested; }

        synchronized void finish(State s, String err, Outcome o) {
            state = s;
            error = err;
            outcome = o;
            finished = Instant.now();
        }

        synchronized void fail(State s, String err) { finish(s, err, null); }

        synchronized View view() {
            double secs = Math.max(1e-9, ((finished != null ? finished.toEpochMilli() * 1_000_000L - created.toEpochMilli() * 1_000_000L
                    : System.nanoTime() - startNanos)) / 1e9);
            double rate = bytes / secs;
            Double eta = state == State.running && rate > 0 && total > 0 ? (total - bytes) / rate : null;
            Outcome o = outcome;
            return new View(id, kind, vm, (String) parameters.get("mode"), (String) parameters.get("format"), state, owner,
                    created.toString(), finished == null ? null : finished.toString(), bytes, total, rate, eta,
                    o == null || o.artifact() == null ? null : o.artifact().toString(),
                    o == null || o.manifest() == null ? null : o.manifest().toString(), o == null ? null : o.sha256(), error,
                    o == null ? null : o.pauseMicros(), parameters, o == null ? null : o.result(), artifactId);
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
