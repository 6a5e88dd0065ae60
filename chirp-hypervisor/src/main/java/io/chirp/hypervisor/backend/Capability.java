package io.chirp.hypervisor.backend;

/**
 * What a back-end can do with one VM. Each {@link VmHandle} declares its set up front ({@link VmHandle#capabilities()}),
 * so a command checks before it starts ({@link VmHandle#require}) instead of finding out from a failure half-way.
 */
public enum Capability {
    /** Guest-physical memory and its layout (every back-end has it, or the VM cannot be opened at all). */
    MEMORY("guest-physical memory"),
    /** The vCPU registers, read without pausing the guest. */
    REGISTERS("vCPU registers"),
    /** Pausing and resuming the guest, for views of one instant. */
    PAUSE("pause/resume"),
    /** A memory image of one instant with a pause of milliseconds (QEMU live migration into CHIRP). */
    CONSISTENT_IMAGE("a consistent memory image through live migration"),
    /** A point-in-time, read-only view of each disk while the guest runs. */
    DISK_VIEWS("point-in-time disk views"),
    /** A copy of each NIC's traffic, taken on the hypervisor side. */
    TRAFFIC_CAPTURE("NIC traffic capture"),
    /** Lifecycle events (started, paused, resumed, stopped, migrated, crashed) as they happen. */
    LIFECYCLE_EVENTS("lifecycle events"),
    /**
     * A QEMU monitor ({@link io.chirp.hypervisor.qemu.QemuMonitor}): the VM is a QEMU process, so QEMU's own
     * fleecing and filter-dump implement {@link #DISK_VIEWS} and {@link #TRAFFIC_CAPTURE}.
     */
    QEMU_MONITOR("a QEMU monitor"),
    /**
     * Kernel breakpoints through a gdbstub ({@link VmHandle#debugger}): {@code monitor --trace} sees exec, exit,
     * module loads and connects as they happen, not only at the next poll.
     */
    KERNEL_BREAKPOINTS("kernel breakpoints through a gdbstub");

    private final String text;

    Capability(String text) { this.text = text; }

    /** {@return what the capability is, in words, for error messages} */
    public String text() { return text; }
}
