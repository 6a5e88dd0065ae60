package io.chirp.fleet;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The fleet as the server sees it: every sensor that ever sent a heartbeat, and the VMs it watches. Liveness is
 * judged by the server's own clock at the moment it is asked: a sensor whose last heartbeat arrived more than
 * {@code lostAfter} ago is {@code lost}, and its VMs are {@code unknown} (their last reported state is kept
 * beside, marked as such), never silently stale.
 */
public final class FleetView {
    /** A host's liveness. */
    public enum Status { LIVE, LOST }

    /** A VM as the fleet page shows it. */
    public record Vm(String name, String state, String lastReportedState, String detail, String since) {}

    /** A host as the fleet page shows it. */
    public record Host(String sensor, Status status, String lastHeartbeat, long secondsSinceHeartbeat, String version,
                       long epoch, JsonNode load, JsonNode spool, List<Vm> vms) {}

    private record Known(Instant received, JsonNode heartbeat, Map<String, Vm> vms) {}

    private final Duration lostAfter;
    private final Clock clock;
    private final Map<String, Known> hosts = new TreeMap<>();

    public FleetView(Duration lostAfter, Clock clock) {
        this.lostAfter = lostAfter;
        this.clock = clock;
    }

    /**
     * Takes a heartbeat in: the sensor was alive when the broker appended it, and its VM list replaces the one it
     * sent before. The broker's append time, not the moment of reading, counts: a server catching up after a restart
     * reads old heartbeats of sensors that may be gone since (broker and server clocks are assumed in sync, as NTP
     * keeps them; the sensors' clocks do not matter).
     */
    public synchronized void heartbeat(FleetRecord r, Instant appended) {
        Map<String, Vm> vms = new TreeMap<>();
        for (JsonNode v : r.body().path("vms")) {
            String name = v.path("name").asText(null);
            if (name == null || name.length() > 256 || vms.size() >= 10_000) continue; // bounded: the body is from the network
            vms.put(name, new Vm(name, v.path("state").asText("unknown"), null, v.path("detail").asText(""),
                    v.path("since").asText("")));
        }
        Instant now = clock.instant();
        Known old = hosts.get(r.sensor());
        Instant at = appended.isBefore(now) ? appended : now;
        if (old != null && old.received() != null && old.received().isAfter(at)) return; // an older heartbeat, read late
        hosts.put(r.sensor(), new Known(at, r.body(), vms));
    }

    /** Takes a VM state change in (these travel with the VM's events, in its order). */
    public synchronized void vmState(FleetRecord r) {
        if (r.vm() == null) return;
        Known k = hosts.computeIfAbsent(r.sensor(), s -> new Known(null, null, new TreeMap<>()));
        if (k.vms().size() >= 10_000 && !k.vms().containsKey(r.vm())) return;
        k.vms().put(r.vm(), new Vm(r.vm(), r.body().path("state").asText("unknown"), null, r.body().path("detail").asText(""),
                Instant.ofEpochMilli(r.time()).toString()));
    }

    /** {@return every host and its VMs, judged now} */
    public synchronized List<Host> hosts() {
        Instant now = clock.instant();
        List<Host> out = new ArrayList<>();
        for (Map.Entry<String, Known> e : hosts.entrySet()) {
            Known k = e.getValue();
            boolean lost = k.received() == null || Duration.between(k.received(), now).compareTo(lostAfter) > 0;
            List<Vm> vms = new ArrayList<>();
            for (Vm v : k.vms().values()) {
                vms.add(lost ? new Vm(v.name(), "unknown", v.state(), v.detail(), v.since()) : v);
            }
            JsonNode hb = k.heartbeat();
            out.add(new Host(e.getKey(), lost ? Status.LOST : Status.LIVE, k.received() == null ? null : k.received().toString(),
                    k.received() == null ? -1 : Duration.between(k.received(), now).toSeconds(),
                    hb == null ? null : hb.path("version").asText(null), hb == null ? 0 : hb.path("epoch").asLong(),
                    hb == null ? null : hb.path("load"), hb == null ? null : hb.path("spool"), vms));
        }
        return out;
    }

    /** {@return how long without a heartbeat makes a host lost} */
    public Duration lostAfter() { return lostAfter; }
}
