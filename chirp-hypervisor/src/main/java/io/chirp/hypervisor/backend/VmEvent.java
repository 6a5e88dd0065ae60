package io.chirp.hypervisor.backend;

import java.time.Instant;

/**
 * A lifecycle event of a VM, in the same terms for every back-end.
 *
 * @param vm     the VM
 * @param kind   what happened
 * @param at     when CHIRP received it
 * @param detail the back-end's own words for it (e.g. libvirt's "STOPPED/destroyed", QEMU's "SHUTDOWN")
 */
public record VmEvent(VmIdentity vm, Kind kind, Instant at, String detail) {

    /** What happened. */
    public enum Kind { STARTED, PAUSED, RESUMED, STOPPED, MIGRATED, CRASHED, RESET, OTHER }
}
