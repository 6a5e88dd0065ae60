package io.chirp.fleet;

import io.chirp.core.OwnerOnly;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chirp.core.ChirpException;
import io.chirp.evidence.Custody;
import io.chirp.evidence.EvidenceManifest;
import io.chirp.evidence.EvidenceWriter;
import io.chirp.events.custody.CustodyLog;
import io.chirp.events.custody.CustodyRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The sensor's side of the command topic: reads the commands for this sensor, runs only those signed by the server
 * ({@link FleetCommand#verify}), for this sensor, unexpired and not run before, one job at a time, and replies
 * through the spool ({@link FleetRecord.Kind#JOB} records: accepted, progress, done with the artifact's SHA-256 and
 * manifest, or failed, each carrying the command's id). The artifact goes to the server by {@link Transfer}.
 *
 * <p>Custody across hosts: every evidence file the job commits is recorded in the sensor's own custody log as
 * always, and the same record (with its hash in the sensor's chain) is published as a
 * {@link FleetRecord.Kind#CUSTODY} record, which the server appends to the central chain; so are the command's
 * receipt (or refusal) and the artifact's dispatch.
 */
public final class SensorCommands implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SensorCommands.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Command ids remembered against replays (commands expire within minutes, so a bounded memory suffices). */
    static final int SEEN = 10_000;

    /** Runs one command's action in {@code folder}; {@return the artifact it committed there (manifest beside it)} */
    @FunctionalInterface
    public interface Executor {
        Path run(FleetCommand command, Path folder, Transfer.Progress progress) throws Exception;
    }

    private final Sensor sensor;
    private final FleetTopics topics;
    private final PublicKey serverKey;
    private final Path work;
    private final Executor executor;
    private final Map<String, Boolean> seen = new LinkedHashMap<>(16, 0.75f, false) {
        @Override protected boolean removeEldestEntry(Map.Entry<String, Boolean> e) { return size() > SEEN; }
    };
    private final BlockingQueue<FleetCommand> queue = new ArrayBlockingQueue<>(16);
    private final AtomicLong refused = new AtomicLong(), ran = new AtomicLong();
    private final ConsumerLoop<String> reader;
    private final Thread runner;
    private volatile boolean stopping;

    private final long transferRate;

    private SensorCommands(Sensor sensor, PublicKey serverKey, Path work, Executor executor, long transferRate) {
        if (transferRate < 0) throw ChirpException.usage("a transfer rate cannot be negative");
        this.transferRate = transferRate;
        this.sensor = sensor;
        this.topics = sensor.options().topics();
        this.serverKey = serverKey;
        this.work = work;
        this.executor = executor;
        OwnerOnly.directories(work);
        this.reader = read();
        this.runner = Thread.ofPlatform().daemon().name("chirp-sensor-jobs").start(this::runJobs);
    }

    /** Starts taking commands for {@code sensor}, checked against {@code serverKey}, run by {@code executor} in {@code work}. */
    public static SensorCommands start(Sensor sensor, PublicKey serverKey, Path work, Executor executor) {
        return new SensorCommands(sensor, serverKey, work, executor, 0);
    }

    /** Starts as {@link #start(Sensor, PublicKey, Path, Executor)}, sending artifacts at most {@code transferRate} bytes/s (0: unpaced). */
    public static SensorCommands start(Sensor sensor, PublicKey serverKey, Path work, Executor executor, long transferRate) {
        return new SensorCommands(sensor, serverKey, work, executor, transferRate);
    }

    /** {@return commands refused (bad signature, another sensor's, expired, replayed)} */
    public long refused() { return refused.get(); }

    /** {@return commands run} */
    public long ran() { return ran.get(); }

    private ConsumerLoop<String> read() {
        String self = sensor.options().id();
        Properties p = ConsumerLoop.config(topics, "chirp-sensor-" + self, "chirp-sensor-commands",
                "earliest", 16, StringDeserializer.class); // earliest: commands sent before this start; old ones have expired
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, FleetCommand.MAX_BYTES * 4);
        // taken (queued or refused) before committed: a command is run at most once per sensor, and a job cut
        // short by a kill is reported failed by the server's timeout, not silently re-run
        return ConsumerLoop.start("chirp-sensor-commands", p, c -> c.subscribe(List.of(topics.commands(self))), Duration.ofMillis(500),
                batch -> {
                    for (ConsumerRecord<String, String> r : batch) take(r.value(), self);
                });
    }

    private void take(String value, String self) {
        FleetCommand c;
        try {
            c = FleetCommand.verify(value, serverKey, self, System.currentTimeMillis());
            synchronized (seen) {
                if (seen.put(c.id(), Boolean.TRUE) != null) throw ChirpException.corrupt("command " + c.id() + " was already run");
            }
        } catch (ChirpException e) {
            refused.incrementAndGet();
            log.warn("refused a command: {}", e.getMessage());
            custody("refuse command", "command", null, e.getMessage());
            return;
        }
        if (!queue.offer(c)) {
            reply(c, "failed", 0, 0, null, null, "the sensor has " + queue.size() + " commands waiting; try again later");
            return;
        }
        custody("accept command", "command " + c.id(), null, "action=" + c.action().name().toLowerCase() + "; vm=" + c.vm()
                + "; parameters=" + c.parameters());
        reply(c, "accepted", 0, 0, null, null, null);
    }

    private void runJobs() {
        while (!stopping) {
            FleetCommand c;
            try {
                c = queue.take();
            } catch (InterruptedException e) {
                return;
            }
            run(c);
        }
    }

    private void run(FleetCommand c) {
        Path folder = work.resolve(c.id());
        try {
            OwnerOnly.directories(folder);
            Path[] artifact = new Path[1];
            long[] lastReply = {0};
            Transfer.Progress acquiring = (done, total) -> {
                if (stopping) throw new ChirpException(ChirpException.Kind.INTERRUPTED, "the sensor is stopping");
                if (System.nanoTime() - lastReply[0] > 500_000_000L || done == total) {
                    lastReply[0] = System.nanoTime();
                    reply(c, "acquiring", done, total, null, null, null);
                }
            };
            // the sensor's own chain as always, and each record also published for the central chain
            Custody.withRecorder((target, m) -> {
                CustodyRecord r;
                try (CustodyLog l = Custody.open()) {
                    r = l.append(m.kind(), target, m.sha256(), Custody.detail(m));
                }
                custody(r.action(), r.artifact(), r.sha256(), r.detail() + "; sensor_record=" + r.hash());
                return r;
            }, () -> artifact[0] = executor.run(c, folder, acquiring));
            Path file = artifact[0];
            EvidenceManifest m = EvidenceManifest.read(EvidenceManifest.pathFor(file));
            String actual = io.chirp.evidence.store.EvidenceStore.sha256(file);
            if (!actual.equals(m.sha256())) throw ChirpException.corrupt(file.getFileName() + " changed after it was committed");
            reply(c, "transferring", 0, m.size(), m.sha256(), null, null);
            Transfer.send(topics, sensor.options().id(), c.id(), file, Duration.ofMinutes(30), transferRate, (done, total) -> {
                if (System.nanoTime() - lastReply[0] > 500_000_000L || done == total) {
                    lastReply[0] = System.nanoTime();
                    reply(c, "transferring", done, total, m.sha256(), null, null);
                }
            }, () -> stopping);
            custody("send to server", file.toString(), m.sha256(), "command=" + c.id() + "; topic=" + topics.transfers(sensor.options().id()));
            ObjectNode manifest = (ObjectNode) JSON.readTree(m.toJson());
            reply(c, "done", m.size(), m.size(), m.sha256(), manifest, null);
            ran.incrementAndGet();
            log.info("command {}: {} of {} acquired ({} bytes, SHA-256 {}) and sent", c.id(), c.action(), c.vm(), m.size(), m.sha256());
        } catch (Exception e) {
            String why = e instanceof ChirpException ce ? ce.getMessage() : e.toString();
            log.warn("command {} failed: {}", c.id(), why);
            reply(c, "failed", 0, 0, null, null, why);
        }
    }

    private void reply(FleetCommand c, String state, long bytes, long total, String sha256, ObjectNode manifest, String error) {
        ObjectNode b = JSON.createObjectNode();
        b.put("command", c.id()).put("action", c.action().name().toLowerCase()).put("state", state).put("bytes", bytes).put("total", total);
        if (sha256 != null) b.put("sha256", sha256);
        if (manifest != null) b.set("manifest", manifest);
        if (error != null) b.put("error", error);
        sensor.report(FleetRecord.Kind.JOB, c.vm(), b);
    }

    private void custody(String action, String subject, String sha256, String detail) {
        ObjectNode b = JSON.createObjectNode();
        b.put("action", action).put("subject", subject).put("time", java.time.Instant.now().toString()).put("detail", detail);
        if (sha256 != null) b.put("sha256", sha256);
        sensor.report(FleetRecord.Kind.CUSTODY, null, b);
    }

    @Override public void close() {
        stopping = true;
        reader.close();
        runner.interrupt();
        try {
            runner.join(Duration.ofSeconds(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (Files.isDirectory(work)) log.debug("sensor jobs kept in {}", work);
    }
}
