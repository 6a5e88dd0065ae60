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
    /** A VM's state, since when, and why. */
    record State(String state, String detail, String since) {}

    private final MonitorListener next;
    private final Map<String, State> states = new ConcurrentHashMap<>();

    VmStates(MonitorListener next) { this.next = next; }

    @Override public void onChange(VmRef vm, Change change) {
        if (change instanceof Change.VmState s) states.put(vm.name(), new State(s.state(), s.detail(), Instant.now().toString()));
        next.onChange(vm, change);
    }

    @Override public void onTrace(VmRef vm, TraceEvent event) { next.onTrace(vm, event); }

    Map<String, State> snapshot() { return new TreeMap<>(states); }
}
