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
 * <p>QEMU's asynchronous events reach libvirt, not this handle: {@link #onEvent} is refused (lifecycle events come
 * from libvirt's own event API, {@link LibvirtConnection#onLifecycle}).
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
        throw ChirpException.unavailable("QEMU events of " + channel + " go to libvirt; use its lifecycle events");
    }

    @Override public boolean isClosed() { return closed; }

    @Override public String channel() { return channel; }

    /** The domain handle is the VM handle's: only this monitor handle ends. */
    @Override public void close() { closed = true; }
}
