package io.chirp.libvirt;

import io.chirp.hypervisor.backend.Capability;
import io.chirp.hypervisor.backend.Subscription;
import io.chirp.hypervisor.backend.VmBackend;
import io.chirp.hypervisor.backend.VmEvent;
import io.chirp.hypervisor.backend.VmHandle;
import io.chirp.hypervisor.backend.VmIdentity;
import io.chirp.hypervisor.backend.VmInfo;
import io.chirp.hypervisor.backend.VmState;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * libvirt as a CHIRP back-end: the domains of one libvirt daemon ({@code qemu:///system} unless
 * {@code --connect URI}), named {@code libvirt:NAME}. Listing and every handle open their own connection; a
 * host-wide lifecycle subscription keeps one open until it closes.
 */
public final class LibvirtBackend implements VmBackend {
    /** This back-end's id. */
    public static final String ID = "libvirt";
    /** The daemon asked when no {@code --connect} is given and nothing else is configured. */
    public static final String DEFAULT_URI = "qemu:///system";
    /**
     * The system property naming the daemon of a bare {@code libvirt:NAME} for the whole process ({@code chirp serve
     * --connect URI} sets it: the server's routes, jobs and responses name VMs without a URI each).
     */
    public static final String URI_PROPERTY = "chirp.libvirt.uri";

    private final String uri;

    /**
     * The ServiceLoader's instance: the process's default daemon, from {@value #URI_PROPERTY}, else libvirt's own
     * {@code LIBVIRT_DEFAULT_URI}, else {@value #DEFAULT_URI}.
     */
    public LibvirtBackend() { this(defaultUri()); }

    /** {@return the daemon a bare {@code libvirt:NAME} means in this process} */
    public static String defaultUri() {
        String p = System.getProperty(URI_PROPERTY);
        if (p != null && !p.isBlank()) return p;
        String e = System.getenv("LIBVIRT_DEFAULT_URI");
        return e != null && !e.isBlank() ? e : DEFAULT_URI;
    }

    private LibvirtBackend(String uri) { this.uri = uri; }

    @Override public String id() { return ID; }

    @Override public String description() { return "domains of the libvirt daemon at " + uri + ", through libvirt's API"; }

    @Override public Set<Capability> capabilities() { return LibvirtHandle.CAPABILITIES; }

    @Override public VmBackend connect(String uri) { return new LibvirtBackend(uri); }

    /** {@return the daemon this back-end asks} */
    public String uri() { return uri; }

    @Override public List<VmInfo> list() {
        try (LibvirtConnection c = LibvirtConnection.open(uri)) {
            return c.domains().stream().map(d -> info(d, uri)).toList();
        }
    }

    static VmInfo info(DomainInfo d, String uri) {
        Map<String, String> details = new LinkedHashMap<>();
        details.put("uri", uri);
        if (d.id() >= 0) details.put("domain_id", Integer.toString(d.id()));
        details.put("persistent", Boolean.toString(d.persistent()));
        boolean running = d.state() == DomainState.RUNNING || d.state() == DomainState.PAUSED || d.state() == DomainState.BLOCKED;
        return new VmInfo(identity(d.name(), d.uuid(), uri), state(d.state()),
                running ? LibvirtHandle.CAPABILITIES : Set.of(), running ? "libvirt" : "none", details);
    }

    static VmIdentity identity(String name, String uuid, String uri) {
        return new VmIdentity(ID, name, uuid == null || uuid.isEmpty() ? Optional.empty() : Optional.of(uuid), uri);
    }

    static VmState state(DomainState s) {
        return switch (s) {
            case RUNNING, BLOCKED -> VmState.RUNNING;
            case PAUSED -> VmState.PAUSED;
            case SHUTDOWN, SHUTOFF, NOSTATE -> VmState.STOPPED;
            case CRASHED -> VmState.CRASHED;
            case PMSUSPENDED -> VmState.SUSPENDED;
            case UNKNOWN -> VmState.UNKNOWN;
        };
    }

    /** {@return a libvirt lifecycle event in the back-end terms} */
    static VmEvent event(LifecycleEvent e, String uri) {
        VmEvent.Kind k = switch (e.type()) {
            case STARTED -> VmEvent.Kind.STARTED;
            case SUSPENDED -> e.detail() == 1 ? VmEvent.Kind.MIGRATED : VmEvent.Kind.PAUSED; // 1: paused for migration
            case RESUMED -> VmEvent.Kind.RESUMED;
            case STOPPED -> e.detail() == 2 ? VmEvent.Kind.CRASHED : e.detail() == 3 ? VmEvent.Kind.MIGRATED : VmEvent.Kind.STOPPED;
            case SHUTDOWN -> VmEvent.Kind.STOPPED;
            case CRASHED -> VmEvent.Kind.CRASHED;
            default -> VmEvent.Kind.OTHER;
        };
        return new VmEvent(identity(e.domain(), e.uuid(), uri), k, e.received(), "libvirt " + e.type() + "/" + e.detail());
    }

    @Override public VmHandle open(String name) {
        LibvirtConnection c = LibvirtConnection.open(uri);
        try {
            return LibvirtHandle.open(c, name);
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
    }

    @Override public Subscription onLifecycle(Consumer<VmEvent> listener) {
        LibvirtConnection c = LibvirtConnection.open(uri);
        try {
            c.onLifecycle(e -> listener.accept(event(e, uri)));
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
        return c::close;
    }
}
