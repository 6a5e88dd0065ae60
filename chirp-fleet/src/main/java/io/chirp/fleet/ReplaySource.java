package io.chirp.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chirp.core.ChirpException;
import io.chirp.events.OcsfEvent;
import io.chirp.monitor.Change;
import io.chirp.monitor.EventPipeline;
import io.chirp.monitor.MonitorListener;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * A stand-in for VMs: replays a recorded OCSF event stream (as {@code chirp monitor --sink jsonl:FILE} writes it)
 * as if it came from the named VMs, through the real pipeline (Sigma at the sensor) and the real producer path.
 * Each replayed event is a new event: the VM's name, the time now and an id of its own. The id is derived from the
 * sensor, the VM and the event's position in the replay, so a sensor restarted with the same replay produces the
 * same ids again (the store takes each once): a fleet of many VMs for fault tests and benchmarks, without a guest
 * for each.
 */
public final class ReplaySource implements Runnable {
    /** Largest recording read: a replay is a sample, not an archive. */
    static final int MAX_EVENTS = 100_000;
    static final int MAX_LINE = 1 << 20;

    private final String sensor;
    private final List<ObjectNode> recording;
    private final List<String> vms;
    private final double perSecond;
    private final long count;
    private final EventPipeline pipeline;
    private final MonitorListener listener;
    private volatile boolean stopping;
    private volatile long emitted;

    /**
     * @param perSecond events per second for each VM
     * @param count     events per VM, then the VM is reported stopped (0: forever, looping over the recording)
     * @param listener  where VM states go (the sensor's listener around the pipeline)
     */
    public ReplaySource(String sensor, Path recording, List<String> vms, double perSecond, long count, EventPipeline pipeline,
                        MonitorListener listener) {
        if (vms.isEmpty()) throw ChirpException.usage("a replay needs at least one --replay-vm");
        if (perSecond <= 0) throw ChirpException.usage("the replay rate must be positive");
        this.sensor = sensor;
        this.recording = load(recording);
        this.vms = List.copyOf(vms);
        this.perSecond = perSecond;
        this.count = count;
        this.pipeline = pipeline;
        this.listener = listener;
    }

    static List<ObjectNode> load(Path file) {
        ObjectMapper json = new ObjectMapper();
        List<ObjectNode> out = new ArrayList<>();
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int n = 0;
            while ((line = r.readLine()) != null) {
                n++;
                if (line.isBlank()) continue;
                if (line.length() > MAX_LINE) throw ChirpException.corrupt(file + ":" + n + ": line over " + MAX_LINE + " characters");
                if (out.size() >= MAX_EVENTS) throw ChirpException.corrupt(file + ": more than " + MAX_EVENTS + " events");
                JsonNode node = json.readTree(line);
                if (!(node instanceof ObjectNode o)) throw ChirpException.corrupt(file + ":" + n + ": not a JSON object");
                if (o.path("class_uid").asInt() == 2004) continue; // findings are made again by this sensor's rules
                new OcsfEvent(o); // checks the required fields
                out.add(o);
            }
        } catch (IOException e) {
            throw ChirpException.io("cannot read the recording " + file + ": " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw ChirpException.corrupt(file + ": " + e.getMessage());
        }
        if (out.isEmpty()) throw ChirpException.corrupt(file + ": no events to replay");
        return out;
    }

    /** {@return events emitted so far, all VMs} */
    public long emitted() { return emitted; }

    public void stop() { stopping = true; }

    @Override public void run() {
        List<MonitorListener.VmRef> refs = vms.stream().map(v -> new MonitorListener.VmRef(v, null, 0)).toList();
        for (MonitorListener.VmRef ref : refs) listener.onChange(ref, new Change.VmState("running", "replay"));
        long periodNanos = (long) (1e9 / perSecond);
        long next = System.nanoTime();
        for (long i = 0; !stopping && (count == 0 || i < count); i++) {
            for (MonitorListener.VmRef ref : refs) {
                ObjectNode e = recording.get((int) (i % recording.size())).deepCopy();
                e.withObject("device").put("name", ref.name()).remove("uid");
                e.withObject("metadata").put("uid", UUID.nameUUIDFromBytes((sensor + "/" + ref.name() + "/" + i)
                        .getBytes(StandardCharsets.UTF_8)).toString());
                e.put("time", System.currentTimeMillis());
                pipeline.emit(ref, new OcsfEvent(e));
                emitted++;
            }
            next += periodNanos;
            long wait = next - System.nanoTime();
            if (wait > 0) {
                try {
                    Thread.sleep(Duration.ofNanos(wait));
                } catch (InterruptedException ex) {
                    return;
                }
            }
        }
        if (!stopping) for (MonitorListener.VmRef ref : refs) listener.onChange(ref, new Change.VmState("stopped", "replay finished"));
    }
}
