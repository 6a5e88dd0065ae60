package io.chirp.server;

import io.chirp.core.ChirpException;
import io.chirp.disk.DiskTarget;
import io.chirp.disk.fs.Extractor;
import io.chirp.disk.fs.FileSystems;
import io.chirp.evidence.EvidenceManifest;
import io.chirp.evidence.EvidenceWriter;
import io.chirp.evidence.store.Actor;
import io.chirp.evidence.store.Cases;
import io.chirp.evidence.store.EvidenceStore;
import io.chirp.evidence.store.StoredArtifact;
import io.chirp.hypervisor.Target;
import io.chirp.hypervisor.backend.VmBackends;
import io.chirp.hypervisor.backend.VmHandle;
import io.chirp.linux.LinuxKernel;
import io.chirp.linux.fs.Mount;
import io.chirp.linux.fs.Mounts;
import io.chirp.monitor.EventPipeline;
import io.chirp.net.pcap.CaptureFormat;
import io.chirp.net.qemu.LiveCapture;
import io.chirp.server.response.ResponseRule;
import io.chirp.tables.LinuxViews;
import io.chirp.tables.Rows;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs the response rules on alerts (see {@link io.chirp.server.response package-info}): matching, de-duplication and
 * the per-VM rate limit happen on the pipeline's thread (cheap, no I/O); collection runs on the responder's own
 * threads, every artifact collected as {@link Actor#automatic} with the response rule and the alert, into the
 * alert's case. What a response did or why it did nothing is kept per alert ({@link #outcomes}).
 */
public final class Responder implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Responder.class);
    /** Responses running at once (each may image a guest's RAM). */
    static final int THREADS = 2;
    static final Duration MEMORY_TIMEOUT = Duration.ofMinutes(10);
    static final int MAX_OUTCOMES = 1000;
    /** File systems that live on a block device (a path on another type is not on the disk). */
    static final Set<String> DISK_FS = Set.of("ext2", "ext3", "ext4", "xfs", "btrfs", "vfat", "msdos", "exfat", "ntfs", "ntfs3");

    /**
     * What a response did for one alert.
     *
     * @param alert     the alert id
     * @param response  the response rule id
     * @param vm        the VM
     * @param caseId    the case the evidence went to (null if skipped)
     * @param state     {@code running}, {@code done}, {@code partial}, {@code skipped}
     * @param artifacts ids of the artifacts collected
     * @param notes     what failed or why it was skipped
     */
    public record Outcome(String alert, String response, String vm, String caseId, String state, List<String> artifacts,
                          List<String> notes, String started, String finished) {}

    private final EvidenceStore store;
    private final Jobs jobs;
    private volatile List<ResponseRule> rules = List.of();
    private final ExecutorService pool = Executors.newFixedThreadPool(THREADS, Thread.ofPlatform().name("chirp-response-", 0)
            .daemon().factory());
    private final Map<String, Deque<Instant>> perVm = new HashMap<>();
    private final Map<String, Instant> seen = new HashMap<>();
    private final Map<String, Outcome> outcomes = new LinkedHashMap<>();
    private final AtomicLong fired = new AtomicLong(), duplicates = new AtomicLong(), limited = new AtomicLong();

    Responder(EvidenceStore store, Jobs jobs) {
        this.store = store;
        this.jobs = jobs;
    }

    /** Replaces the rules (ids must be unique). */
    public void rules(List<ResponseRule> r) { this.rules = List.copyOf(r); }

    public List<ResponseRule> rules() { return rules; }

    /** {@return counters: responses started, alerts dropped as duplicates, alerts over a VM's limit} */
    public Map<String, Long> counters() {
        return Map.of("fired", fired.get(), "duplicates", duplicates.get(), "rate_limited", limited.get());
    }

    /** {@return what the responses did, newest last} */
    public synchronized List<Outcome> outcomes() { return List.copyOf(outcomes.values()); }

    /** Called for every alert, on the pipeline's thread: decides, and queues the collection. */
    void onAlert(Alerts.View v, EventPipeline.Alert a) {
        for (ResponseRule r : rules) {
            if (!r.when().matches(v.rule_id(), a.detection().level(), a.detection().tags(), v.vm())) continue;
            int pid = a.trigger().at("process", "pid").asInt(-1);
            String exe = a.trigger().at("process", "file", "path").asText(null);
            String key = r.id() + "\u0000" + v.vm() + "\u0000" + v.rule_id() + "\u0000" + pid + "\u0000" + exe;
            Instant now = Instant.now();
            synchronized (this) {
                Instant last = seen.get(key);
                if (last != null && last.plus(r.limit().window()).isAfter(now)) {
                    duplicates.incrementAndGet();
                    log.info("response {}: alert {} on {} is a duplicate of one answered at {}", r.id(), v.id(), v.vm(), last);
                    continue;
                }
                Deque<Instant> times = perVm.computeIfAbsent(r.id() + "\u0000" + v.vm(), k -> new ArrayDeque<>());
                while (!times.isEmpty() && times.peekFirst().plus(r.limit().window()).isBefore(now)) times.removeFirst();
                if (times.size() >= r.limit().perVm()) {
                    limited.incrementAndGet();
                    keep(new Outcome(v.id(), r.id(), v.vm(), null, "skipped", List.of(), List.of("rate limit: " + r.limit().perVm()
                            + " per " + r.limit().window() + " on this VM"), now.toString(), now.toString()));
                    continue;
                }
                times.addLast(now);
                seen.put(key, now);
                if (seen.size() > 10_000) seen.values().removeIf(t -> t.plus(Duration.ofHours(24)).isBefore(now));
            }
            fired.incrementAndGet();
            keep(new Outcome(v.id(), r.id(), v.vm(), null, "running", List.of(), List.of(), now.toString(), null));
            try {
                pool.submit(() -> respond(r, v, pid, exe, now));
            } catch (java.util.concurrent.RejectedExecutionException e) {
                keep(new Outcome(v.id(), r.id(), v.vm(), null, "skipped", List.of(), List.of("the server is stopping"),
                        now.toString(), now.toString()));
            }
        }
    }

    private void respond(ResponseRule r, Alerts.View v, int pid, String exe, Instant started) {
        Actor actor = Actor.automatic(r.id(), v.id());
        List<String> notes = new ArrayList<>();
        List<String> got = new ArrayList<>();
        String caseId = null;
        try {
            caseId = caseFor(r, v, actor);
            String cid = caseId;
            ResponseRule.Collect c = r.collect();
            // the memory job first (it runs on its own thread): RAM as close to the alert as possible
            Jobs.View[] job = {null};
            if (c.memory() != null) step(notes, "memory", () -> job[0] = jobs.acquire(v.vm(), c.memory(), c.format(), actor, cid));
            Jobs.View[] diskJob = {null};
            // then the capture, on its own thread: it is the traffic of the next N seconds, from now
            java.util.concurrent.FutureTask<List<StoredArtifact>> capture = null;
            if (c.capture() != null) {
                capture = new java.util.concurrent.FutureTask<>(() -> store.collect(actor, cid, folder -> {
                    try (VmHandle h = VmBackends.open(v.vm(), Optional.empty());
                         LiveCapture lc = LiveCapture.start(h, Optional.empty())) {
                        lc.captureFor(c.capture(), folder.resolve(safe(v.vm()) + ".pcap"), CaptureFormat.PCAP);
                    }
                }));
                Thread.ofVirtual().name("chirp-response-capture").start(capture);
            }
            if (c.maps()) {
                step(notes, "maps", () -> {
                    if (pid < 0) throw ChirpException.notFound("the alert names no process");
                    for (StoredArtifact a : store.collect(actor, cid, folder -> maps(v.vm(), pid, folder))) got.add(a.id());
                });
            }
            if (job[0] != null) {
                step(notes, "memory", () -> {
                    if (!jobs.await(job[0].id(), MEMORY_TIMEOUT)) throw ChirpException.unavailable("memory job " + job[0].id() + " still running");
                    Jobs.View done = jobs.get(job[0].id()).orElseThrow();
                    if (done.state() != Jobs.State.succeeded) throw ChirpException.unavailable("memory job " + done.state() + ": " + done.error());
                    got.add(done.artifact_id());
                });
            }
            // the disk steps after the memory image: a disk fleece is a QEMU block job, and QEMU refuses to migrate
            // while one runs
            List<String> paths = new ArrayList<>();
            if (c.executable()) {
                if (exe == null) notes.add("executable: the alert names no process executable");
                else paths.add(exe);
            }
            paths.addAll(c.files());
            if (!paths.isEmpty()) {
                step(notes, "files", () -> {
                    for (StoredArtifact a : store.collect(actor, cid, folder -> files(v.vm(), paths, folder, notes))) got.add(a.id());
                });
            }
            // the disk image last, as a job of its own
            if (c.disk() != null) step(notes, "disk", () -> diskJob[0] = jobs.acquireDisk(v.vm(), Optional.empty(), c.disk(), actor, cid));
            if (diskJob[0] != null) {
                step(notes, "disk", () -> {
                    if (!jobs.await(diskJob[0].id(), MEMORY_TIMEOUT)) throw ChirpException.unavailable("disk job " + diskJob[0].id() + " still running");
                    Jobs.View done = jobs.get(diskJob[0].id()).orElseThrow();
                    if (done.state() != Jobs.State.succeeded) throw ChirpException.unavailable("disk job " + done.state() + ": " + done.error());
                    got.add(done.artifact_id());
                });
            }
            if (capture != null) {
                var cap = capture;
                step(notes, "capture", () -> {
                    for (StoredArtifact a : cap.get(c.capture().toSeconds() + 120, TimeUnit.SECONDS)) got.add(a.id());
                });
            }
        } catch (RuntimeException e) {
            notes.add("response failed: " + e.getMessage());
        }
        log.info("response {} to alert {} on {}: {} artifacts into case {}{}", r.id(), v.id(), v.vm(), got.size(), caseId,
                notes.isEmpty() ? "" : "; " + notes);
        keep(new Outcome(v.id(), r.id(), v.vm(), caseId, notes.isEmpty() ? "done" : "partial", got, notes, started.toString(),
                Instant.now().toString()));
    }

    /** The alert's case: the one it is in, else the automatic one of its VM (or of the alert), the alert added. */
    private String caseFor(ResponseRule r, Alerts.View v, Actor actor) {
        List<Cases.Case> in = store.cases().ofAlert(v.id());
        Cases.Case c = !in.isEmpty() ? in.getFirst() : r.caseBy() == ResponseRule.CaseBy.vm
                ? store.cases().forAuto("vm:" + v.vm(), "automatic: alerts on " + v.vm(), actor)
                : store.cases().forAuto("alert:" + v.id(), "automatic: " + v.title() + " on " + v.vm(), actor);
        store.cases().addVm(c.id(), v.vm(), actor);
        store.cases().addAlert(c.id(), v.id(), EvidenceRoutes.write(v), actor);
        return c.id();
    }

    /** The process's memory maps: the maps table (as the API shows it) as a JSON evidence file. */
    private static void maps(String vm, int pid, Path folder) throws Exception {
        Rows rows;
        try (Target t = Target.vm(vm)) {
            rows = LinuxViews.maps(LinuxKernel.attach(t.memory(), t.cpus()), Set.of(pid));
        }
        if (rows.objects().isEmpty()) throw ChirpException.notFound("process " + pid + " has no maps (it exited?)");
        byte[] json = EvidenceRoutes.write(Api.tableJson(rows)).getBytes(StandardCharsets.UTF_8);
        try (EvidenceWriter w = EvidenceWriter.create(folder.resolve(safe(vm) + "-pid" + pid + "-maps.json"))) {
            w.write(json, 0, json.length);
            w.commit(new EvidenceWriter.Description("process-maps", "JSON", new EvidenceManifest.Source(vm, "memory", Map.of()),
                    "live", rows.complete(), rows.problems(), Map.of("pid", pid, "table", "maps")));
        }
    }

    /**
     * Guest paths from the VM's disks through the live (fleeced) views: each path is mapped to its file system by the
     * guest's own mount table (the longest mount point on a disk file system), and that file system to one of the
     * VM's disks by the mount's device name ({@code /dev/vdb2}: the second disk, partition 2; the order of
     * {@code query-block}, which is the order the disks were given to QEMU). When the name says nothing (a UUID, a
     * device mapper name) or the file is not there, the other disks are tried in order; each disk is fleeced once.
     */
    private static void files(String vm, List<String> paths, Path folder, List<String> notes) throws Exception {
        List<Mount> mounts;
        List<String> disks;
        try (Target t = Target.vm(vm)) {
            mounts = new Mounts(LinuxKernel.attach(t.memory(), t.cpus())).list().mounts();
            disks = DiskTarget.disks(((Target.Live) t).vm());
        }
        if (disks.isEmpty()) throw ChirpException.unavailable("VM " + vm + " has no disk");
        Map<String, DiskTarget> open = new LinkedHashMap<>();
        try {
            for (String p : paths) {
                Mount m = mounts.stream().filter(x -> DISK_FS.contains(x.fsType()) && under(p, x.mountPoint()))
                        .max(java.util.Comparator.comparingInt(x -> x.mountPoint().length())).orElse(null);
                if (m == null) {
                    notes.add("files: " + io.chirp.disk.fs.GuestNames.escape(p) + " is on no disk file system of the guest");
                    continue;
                }
                String rel = m.mountPoint().equals("/") ? p : p.substring(m.mountPoint().length());
                GuestDevice g = GuestDevice.of(m.device());
                List<Integer> order = new ArrayList<>();
                if (g.disk() >= 0 && g.disk() < disks.size()) order.add(g.disk());
                for (int i = 0; i < disks.size(); i++) if (!order.contains(i)) order.add(i);
                List<String> tried = new ArrayList<>();
                boolean got = false;
                for (int i : order) {
                    String node = disks.get(i);
                    try {
                        DiskTarget d = open.get(node);
                        if (d == null) {
                            d = DiskTarget.vm(vm, Optional.of(node));
                            open.put(node, d);
                        }
                        // the partition the device names, on the disk it names; elsewhere the disk's own choice
                        OptionalInt part = i == g.disk() && g.partition() > 0 ? OptionalInt.of(g.partition()) : OptionalInt.empty();
                        var fs = FileSystems.open(d.source(), part).fs();
                        Map<String, String> prov = withMount(d.provenance(), p, m);
                        prov.put("disk_choice", i == g.disk() ? "named by the guest's mount device " + m.device()
                                : "tried in order (the mount device " + m.device() + " names no disk of the VM, or the file was not there)");
                        Extractor.extractPath(fs, rel, folder, new Extractor.Options(false, Extractor.Options.DEFAULT_MAX_FILL, prov));
                        got = true;
                        break;
                    } catch (ChirpException e) {
                        tried.add(node + ": " + e.getMessage());
                    }
                }
                if (!got) notes.add("files: " + io.chirp.disk.fs.GuestNames.escape(p) + ": not found on any disk (" + String.join("; ", tried) + ")");
            }
        } finally {
            for (DiskTarget d : open.values()) d.close();
        }
    }

    /**
     * What a guest block device name says: which disk (0-based, from the letter of {@code vdX}, {@code sdX},
     * {@code hdX}, {@code xvdX}) and which partition (its trailing number, 0 for the whole disk); -1 when it names none.
     */
    record GuestDevice(int disk, int partition) {
        private static final java.util.regex.Pattern NAME = java.util.regex.Pattern.compile("/dev/(?:x?vd|sd|hd)([a-z])([0-9]{1,3})?");

        static GuestDevice of(String device) {
            java.util.regex.Matcher x = NAME.matcher(device == null ? "" : device);
            if (!x.matches()) return new GuestDevice(-1, 0);
            return new GuestDevice(x.group(1).charAt(0) - 'a', x.group(2) == null ? 0 : Integer.parseInt(x.group(2)));
        }
    }

    private static Map<String, String> withMount(Map<String, String> provenance, String guestPath, Mount m) {
        Map<String, String> out = new LinkedHashMap<>(provenance);
        out.put("guest_path", guestPath);
        out.put("guest_mount", m.mountPoint() + " (" + m.device() + ", " + m.fsType() + ")");
        return out;
    }

    private static boolean under(String path, String mountPoint) {
        return mountPoint.equals("/") || path.equals(mountPoint) || path.startsWith(mountPoint + "/");
    }

    private static String safe(String s) { return s.replaceAll("[^A-Za-z0-9._+-]", "_"); }

    @FunctionalInterface
    private interface Step {
        void run() throws Exception;
    }

    private static void step(List<String> notes, String what, Step s) {
        try {
            s.run();
        } catch (java.util.concurrent.ExecutionException e) {
            notes.add(what + ": " + e.getCause().getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            notes.add(what + ": interrupted");
        } catch (Exception e) {
            notes.add(what + ": " + e.getMessage());
        }
    }

    private synchronized void keep(Outcome o) {
        outcomes.put(o.alert() + "\u0000" + o.response(), o);
        while (outcomes.size() > MAX_OUTCOMES) outcomes.remove(outcomes.keySet().iterator().next());
    }

    @Override public void close() {
        pool.shutdownNow();
        try {
            pool.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
