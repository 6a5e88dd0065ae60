package io.chirp.hypervisor.backend;

import io.chirp.core.ChirpException;

import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * A hypervisor CHIRP can reach: lists its VMs and opens them. Implementations are found with
 * {@link java.util.ServiceLoader} ({@code META-INF/services/io.chirp.hypervisor.backend.VmBackend}); see
 * {@link VmBackends} for how a command's {@code --vm} picks one.
 */
public interface VmBackend extends AutoCloseable {

    /** {@return the back-end's id, the prefix of {@code --vm ID:NAME} ({@code qemu}, {@code libvirt})} */
    String id();

    /** {@return one line on what it is and how it finds VMs} */
    String description();

    /** {@return the host-wide capabilities of this back-end (e.g. {@link Capability#LIFECYCLE_EVENTS} for all VMs)} */
    Set<Capability> capabilities();

    /**
     * {@return this back-end talking to {@code uri} instead of its default} ({@code --connect URI}); a back-end that
     * takes no URI refuses with a usage error.
     */
    default VmBackend connect(String uri) {
        throw ChirpException.usage("backend " + id() + " takes no --connect URI");
    }

    /** {@return the VMs it sees now (running ones; for libvirt also defined, stopped ones), by name} */
    List<VmInfo> list();

    /** {@return the VM named {@code name} (or its id, e.g. a pid), opened} */
    VmHandle open(String name);

    /**
     * Delivers every VM's lifecycle events until the subscription closes; only when {@link #capabilities()} has
     * {@link Capability#LIFECYCLE_EVENTS}, else a {@link MissingCapabilityException}-like usage error.
     */
    default Subscription onLifecycle(Consumer<VmEvent> listener) {
        throw ChirpException.unavailable("backend " + id() + " lacks capability lifecycle_events for all its VMs"
                + " (open a VM and subscribe to it)");
    }

    /** Lets go of the back-end's connection, if it holds one. */
    @Override default void close() { }
}
