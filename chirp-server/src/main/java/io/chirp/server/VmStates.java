package io.chirp.server;

import io.chirp.monitor.Change;
import io.chirp.monitor.MonitorListener;
import io.chirp.monitor.trace.TraceEvent;

import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Each watched VM's monitoring state (attached, paused, stopped, detached, ...) as the watchers last reported it;
 * everything else goes on to the event pipeline.
 */
final class VmStates implements MonitorListener {
    /** A VM's state, since when, and why; {@code kernel} is the banner seen at the last attach (guest data). */
    record State(String state, String detail, String since, String kernel) {}

    private final MonitorListener next;
    private final Map<String, State> states = new ConcurrentHashMap<>();
    /** Counts the state changes reported: the inventory cached under one value is stale once it moves. */
    private final java.util.concurrent.atomic.AtomicLong epoch = new java.util.concurrent.atomic.AtomicLong();

    VmStates(MonitorListener next) { this.next = next; }

    @Override public void onChange(VmRef vm, Change change) {
        if (change instanceof Change.VmState s) {
            State prev = states.get(vm.name());
            String kernel = prev == null ? null : prev.kernel();
            // the watcher's attach detail opens with the kernel's banner: "Linux version ...; N processes, ..."
            if (s.state().equals("attached") && s.detail() != null && s.detail().startsWith("Linux version")) {
                int end = s.detail().indexOf("; ");
                kernel = end < 0 ? s.detail() : s.detail().substring(0, end);
            }
            states.put(vm.name(), new State(s.state(), s.detail(), Instant.now().toString(), kernel));
            epoch.incrementAndGet();
        }
        next.onChange(vm, change);
    }

    @Override public void onTrace(VmRef vm, TraceEvent event) { next.onTrace(vm, event); }

    Map<String, State> snapshot() { return new TreeMap<>(states); }

    /** {@return how many state changes the watchers have reported (a VM stopped, came back, was paused, ...)} */
    long epoch() { return epoch.get(); }
}
