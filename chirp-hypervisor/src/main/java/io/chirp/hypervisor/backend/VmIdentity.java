package io.chirp.hypervisor.backend;

import java.util.Optional;

/**
 * Who a VM is, across back-ends.
 *
 * @param backend the back-end's id ({@code qemu}, {@code libvirt})
 * @param name    the VM's name in that back-end
 * @param uuid    its UUID, when the back-end knows one
 * @param host    where it runs: this host's name, or the back-end's connection URI
 */
public record VmIdentity(String backend, String name, Optional<String> uuid, String host) {

    /** {@return how a command names this VM: {@code backend:name}} */
    public String ref() { return backend + ":" + name; }

    @Override public String toString() { return ref(); }
}
