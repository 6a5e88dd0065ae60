package io.chirp.monitor;

import io.chirp.monitor.trace.TraceEvent;

/** Receives what the watchers see. Called from the watchers' threads: implementations must be thread-safe. */
public interface MonitorListener {
    /**
     * Which VM something happened on.
     *
     * @param name the VM's name
     * @param uuid its UUID, or null
     * @param pid  the QEMU process id
     */
    record VmRef(String name, String uuid, long pid) {}

    void onChange(VmRef vm, Change change);

    void onTrace(VmRef vm, TraceEvent event);
}
