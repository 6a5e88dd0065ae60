package io.chirp.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chirp.core.ChirpVersion;
import io.chirp.events.OcsfEvent;
import io.chirp.monitor.Change;
import io.chirp.monitor.MonitorListener;
import io.chirp.monitor.trace.TraceEvent;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.Writer;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The sensor of one hypervisor host: takes what the host's monitor produces (OCSF events, Sigma alerts, VM state
 * changes), gives each record its VM's next sequence number, and puts it in the spool, from which the
 * {@link SpoolSender} sends it to Kafka. Beside that it publishes a heartbeat every interval: version, load, the
 * VMs it watches and their states, and its spool (pending, and exactly what a full spool dropped).
 *
 * <p>Use {@link #observer()} as the event pipeline's observer (it sees every event and finding the pipeline
 * writes) and wrap the pipeline in {@link #listener} to see VM state changes.
 */
public final class Sensor implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Sensor.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * How to run.
     *
     * @param id        the sensor's id, unique in the fleet (default: the host name)
     * @param topics    where to publish
     * @param spoolDir  the spool's folder
     * @param spoolMax  the most bytes kept unsent
     * @param heartbeat time between heartbeats
     * @param ledger    a file to which every record kept in the spool is listed (id, VM, epoch, seq), or null: the
     *                  sensor's own account of what it produced, for fault tests and benchmarks
     */
    public record Options(String id, FleetTopics topics, Path spoolDir, long spoolMax, Duration heartbeat, Path ledger) {
        public Options {
            if (!FleetRecord.validSensorId(id)) {
                throw io.chirp.core.ChirpException.usage("sensor id '" + id + "': letters, digits, '.', '_', '-' (at most 64)");
            }
        }
    }

    /** A VM's monitoring state as the sensor last saw it. */
    public record VmStatus(String state, String detail, Instant since) {}

    private final Options options;
    private final Spool spool;
    private final SpoolSender sender;
    private final Map<String, Long> seqs = new HashMap<>();
    private final Map<String, VmStatus> vms = new ConcurrentHashMap<>();
    private final AtomicLong produced = new AtomicLong(), refused = new AtomicLong();
    private final Instant started = Instant.now();
    private final Writer ledger;
    private final Thread beat;
    private final KafkaProducer<String, String> heartbeats;
    private volatile boolean closing;

    private Sensor(Options options) {
        this.options = options;
        this.spool = Spool.open(options.spoolDir(), options.spoolMax());
        try {
            this.ledger = options.ledger() == null ? null : Files.newBufferedWriter(options.ledger(), StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
        } catch (IOException e) {
            spool.close();
            throw io.chirp.core.ChirpException.io("cannot open the ledger " + options.ledger() + ": " + e.getMessage(), e);
        }
        this.sender = SpoolSender.start(spool, options.topics(), options.id());
        Properties hp = SpoolSender.producerConfig(options.topics(), "chirp-sensor-heartbeat");
        hp.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false); // a heartbeat is news only now: never retried late
        hp.put(ProducerConfig.ACKS_CONFIG, "1");
        hp.put(ProducerConfig.RETRIES_CONFIG, 0);
        hp.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 1_000);
        hp.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 6_000);
        hp.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 1L << 20);
        this.heartbeats = new KafkaProducer<>(hp);
        this.beat = Thread.ofPlatform().daemon().name("chirp-sensor-heartbeat").start(this::beatLoop);
        log.info("sensor {} (epoch {}) publishing to {} via spool {}", options.id(), spool.epoch(),
                options.topics().bootstrap(), options.spoolDir());
    }

    /** Opens the spool and starts sending and heartbeating. */
    public static Sensor start(Options options) { return new Sensor(options); }

    /** {@return the pipeline observer: every event and finding the pipeline writes goes to the spool} */
    public java.util.function.Consumer<OcsfEvent> observer() { return this::publish; }

    /** {@return {@code next}, with the VM state changes also kept for the heartbeat and published as such} */
    public MonitorListener listener(MonitorListener next) {
        return new MonitorListener() {
            @Override public void onChange(VmRef vm, Change change) {
                if (change instanceof Change.VmState s) {
                    vms.put(vm.name(), new VmStatus(s.state(), s.detail(), Instant.now()));
                    ObjectNode body = JSON.createObjectNode().put("state", s.state()).put("detail", s.detail());
                    if (vm.uuid() != null) body.put("uuid", vm.uuid());
                    append(FleetRecord.Kind.VM_STATE, UUID.randomUUID().toString(), vm.name(), body);
                }
                next.onChange(vm, change);
            }

            @Override public void onTrace(VmRef vm, TraceEvent event) { next.onTrace(vm, event); }
        };
    }

    /** Notes that the sensor watches {@code vm} (before its watcher reports a state). */
    public void watching(String vm) { vms.putIfAbsent(vm, new VmStatus("starting", "", Instant.now())); }

    /**
     * Puts an event or finding in the spool. A finding carries no {@code metadata.uid} of its own; it gets one made
     * of the rule and the triggering event's id (not its time): the same detection on the same event has the same
     * id wherever and however often it is evaluated, so a re-evaluation after a restart is stored once.
     */
    public void publish(OcsfEvent e) {
        boolean alert = e.classUid() == 2004;
        OcsfEvent withId = withFindingId(e);
        String vm = withId.vmName() == null ? "-" : withId.vmName();
        append(alert ? FleetRecord.Kind.ALERT : FleetRecord.Kind.EVENT, withId.uid(), vm, withId.json());
    }

    /**
     * {@return {@code e}, given its finding id if it is a finding without one}: made of the rule and the triggering
     * event's id, so the same detection has the same id at the sensor and in the central {@link FleetDetect}
     */
    public static OcsfEvent withFindingId(OcsfEvent e) {
        if (e.uid() != null) return e;
        ObjectNode j = e.json();
        JsonNode info = j.path("finding_info");
        String trigger = info.path("related_events").path(0).path("uid").asText("");
        String fid = trigger.isEmpty() ? info.path("uid").asText(UUID.randomUUID().toString())
                : UUID.nameUUIDFromBytes(("finding\n" + info.path("analytic").path("uid").asText("") + "\n"
                        + info.path("title").asText("") + "\n" + trigger).getBytes(StandardCharsets.UTF_8)).toString();
        ((ObjectNode) j.withObject("metadata")).put("uid", fid);
        return new OcsfEvent(j);
    }

    /**
     * Puts a sensor's own record in the spool: a {@link FleetRecord.Kind#JOB} reply to a command or a
     * {@link FleetRecord.Kind#CUSTODY} record. They go the events' way (spool, then the sensor's topic), so a reply
     * survives a broker outage and a restart like any event.
     */
    public void report(FleetRecord.Kind kind, String vm, JsonNode body) {
        if (kind != FleetRecord.Kind.JOB && kind != FleetRecord.Kind.CUSTODY) throw new IllegalArgumentException("not a report: " + kind);
        append(kind, UUID.randomUUID().toString(), vm == null ? "-" : vm, body);
    }

    /** {@return this sensor's options} */
    public Options options() { return options; }

    private synchronized void append(FleetRecord.Kind kind, String id, String vm, JsonNode body) {
        long seq = seqs.merge(vm, 1L, Long::sum);
        FleetRecord r = new FleetRecord(kind, id, options.id(), vm, spool.epoch(), seq, System.currentTimeMillis(), body);
        boolean kept = spool.append(r);
        if (kept) produced.incrementAndGet();
        else refused.incrementAndGet();
        if (ledger != null) {
            try {
                ledger.write((kept ? "kept " : "dropped ") + kind.name().toLowerCase() + " " + vm + " " + spool.epoch() + " "
                        + seq + " " + id + "\n");
                ledger.flush();
            } catch (IOException ex) {
                log.warn("ledger: {}", ex.toString());
            }
        }
    }

    /** {@return the heartbeat as published now} */
    public ObjectNode heartbeat() {
        ObjectNode b = JSON.createObjectNode();
        b.put("sensor", options.id()).put("version", ChirpVersion.current().toString()).put("started", started.toString())
                .put("epoch", spool.epoch()).put("interval_ms", options.heartbeat().toMillis());
        var os = ManagementFactory.getOperatingSystemMXBean();
        ObjectNode load = b.putObject("load");
        load.put("cpus", os.getAvailableProcessors()).put("load_average", os.getSystemLoadAverage());
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) load.put("process_cpu", sun.getProcessCpuLoad());
        Runtime rt = Runtime.getRuntime();
        load.put("heap_used_bytes", rt.totalMemory() - rt.freeMemory());
        ArrayNode list = b.putArray("vms");
        for (Map.Entry<String, VmStatus> e : new TreeMap<>(vms).entrySet()) {
            list.addObject().put("name", e.getKey()).put("state", e.getValue().state()).put("detail", e.getValue().detail())
                    .put("since", e.getValue().since().toString());
        }
        ObjectNode sp = b.putObject("spool");
        sp.put("pending_records", spool.pendingRecords()).put("pending_bytes", spool.pendingBytes())
                .put("max_bytes", spool.maxBytes()).put("produced", produced.get()).put("sent", sender.sent())
                .put("broker", sender.state().name().toLowerCase());
        ArrayNode dropped = sp.putArray("dropped");
        for (Spool.Dropped d : spool.dropped()) {
            dropped.addObject().put("vm", d.vm()).put("kind", d.kind().name().toLowerCase()).put("count", d.count())
                    .put("epoch", spool.epoch()).put("first_seq", d.firstSeq()).put("last_seq", d.lastSeq());
        }
        return b;
    }

    private void beatLoop() {
        while (!closing) {
            try {
                FleetRecord r = new FleetRecord(FleetRecord.Kind.HEARTBEAT, UUID.randomUUID().toString(), options.id(), null,
                        spool.epoch(), 0, System.currentTimeMillis(), heartbeat());
                heartbeats.send(new ProducerRecord<>(options.topics().heartbeats(options.id()), r.key(), r.encode()));
            } catch (RuntimeException e) {
                log.debug("heartbeat not sent: {}", e.toString()); // the broker's absence is reported by the sender
            }
            try {
                Thread.sleep(options.heartbeat());
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    public SpoolSender sender() { return sender; }

    public Spool spool() { return spool; }

    /** {@return records kept in the spool since the start} */
    public long produced() { return produced.get(); }

    /** {@return records a full spool could not keep since the start} */
    public long refused() { return refused.get(); }

    @Override public void close() {
        closing = true;
        beat.interrupt();
        sender.close(Duration.ofSeconds(10));
        try {
            heartbeats.close(Duration.ofSeconds(2));
        } catch (RuntimeException e) {
            log.debug("closing the heartbeat producer: {}", e.toString());
        }
        spool.close();
        if (ledger != null) {
            try {
                ledger.close();
            } catch (IOException e) {
                log.warn("ledger: {}", e.toString());
            }
        }
        if (!spool.dropped().isEmpty()) log.warn("the spool dropped records this run: {}", spool.dropped());
    }
}
