package io.chirp.monitor;

import io.chirp.hypervisor.backend.VmBackends;
import io.chirp.hypervisor.backend.VmInfo;
import io.chirp.hypervisor.backend.VmState;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Watches many VMs at once, one virtual thread each. Given no names, it watches every QEMU VM on the host and
 * picks up new ones as they start.
 */
public final class Monitor implements AutoCloseable {
    private final VmWatcher.Options options;
    private final MonitorListener listener;
    private final Map<String, VmWatcher> watchers = new ConcurrentHashMap<>();
    private final Map<String, Thread> threads = new ConcurrentHashMap<>();
    private final Thread discovery;
    private volatile boolean closing;

    private Monitor(List<String> names, VmWatcher.Options options, MonitorListener listener) {
        this.options = options;
        this.listener = listener;
        names.forEach(this::watch);
        this.discovery = names.isEmpty() ? Thread.ofVirtual().name("chirp-discovery").start(this::discover) : null;
    }

    /** Starts watching {@code names} (all VMs of the host, present and future, if empty). */
    public static Monitor start(List<String> names, VmWatcher.Options options, MonitorListener listener) {
        return new Monitor(names, options, listener);
    }

    private void watch(String name) {
        watchers.computeIfAbsent(name, n -> {
            VmWatcher w = new VmWatcher(n, options, listener);
            threads.put(n, Thread.ofVirtual().name("chirp-watch-" + n).start(w));
            return w;
        });
    }

    private void discover() {
        while (!closing) {
            // every back-end's running VMs; one that cannot be asked (no libvirt daemon here) is skipped quietly
            for (VmInfo vm : VmBackends.listAll(Optional.empty()).vms()) {
                if (vm.state() != VmState.RUNNING && vm.state() != VmState.PAUSED) continue;
                watch(vm.id().backend().equals(VmBackends.DEFAULT) ? vm.id().name() : vm.id().ref());
            }
            try {
                Thread.sleep(options.interval().compareTo(Duration.ofSeconds(5)) < 0 ? Duration.ofSeconds(5) : options.interval());
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** {@return the watchers, by VM name} */
    public Map<String, VmWatcher> watchers() { return Map.copyOf(watchers); }

    @Override
    public void close() {
        closing = true;
        if (discovery != null) discovery.interrupt();
        watchers.values().forEach(VmWatcher::stop);
        for (Thread t : threads.values()) {
            try {
                t.join(Duration.ofSeconds(20));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
