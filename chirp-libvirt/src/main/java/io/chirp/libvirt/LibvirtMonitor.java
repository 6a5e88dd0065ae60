package io.chirp.libvirt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chirp.core.ChirpException;
import io.chirp.hypervisor.qemu.QemuMonitor;
import io.chirp.hypervisor.qemu.QmpClient;

import java.util.Map;
import java.util.function.Consumer;

/**
 * A libvirt domain's QEMU monitor through libvirt's passthrough ({@code virDomainQemuMonitorCommand}): libvirt owns
 * the QMP socket, CHIRP's commands go over libvirt's connection. So the QEMU operations written once on
 * {@link QemuMonitor} (fleecing, filter-dump captures) work on libvirt domains unchanged. libvirt marks the domain
 * "tainted: custom-monitor" the first time; it keeps managing it.
 *
 * <p>QEMU's asynchronous events reach libvirt first; {@link #onEvent} has libvirt pass them on
 * ({@code virConnectDomainQemuMonitorEventRegister}), with QEMU's own timestamps, on libvirt's event-loop thread.
 */
final class LibvirtMonitor implements QemuMonitor {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final LibvirtDomain domain;
    private final String channel;
    private volatile boolean closed;

    LibvirtMonitor(LibvirtDomain domain, String uri, String name) {
        this.domain = domain;
        this.channel = "libvirt:" + uri + "#" + name;
    }

    @Override public JsonNode execute(String command, Map<String, ?> arguments) {
        if (closed) throw ChirpException.unavailable("monitor handle on " + channel + " is closed");
        return domain.qmp(command, arguments == null ? null : JSON.valueToTree(arguments));
    }

    @Override public String hmp(String commandLine) {
        if (closed) throw ChirpException.unavailable("monitor handle on " + channel + " is closed");
        return domain.hmp(commandLine);
    }

    @Override public QmpClient.Subscription onEvent(Consumer<QmpClient.Event> listener) {
        if (closed) throw ChirpException.unavailable("monitor handle on " + channel + " is closed");
        io.chirp.hypervisor.backend.Subscription s = domain.connection().onQemuEvent(domain, listener);
        return new QmpClient.Subscription() {
            @Override public String name() { return "libvirt QEMU events of " + channel; }

            @Override public long dropped() { return 0; } // libvirt queues them itself

            @Override public void close() { s.close(); }
        };
    }

    @Override public boolean isClosed() { return closed; }

    @Override public String channel() { return channel; }

    /** The domain handle is the VM handle's: only this monitor handle ends. */
    @Override public void close() { closed = true; }
}
