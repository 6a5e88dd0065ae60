package io.chirp.hypervisor.backend;

import io.chirp.core.CpuState;
import io.chirp.core.PhysicalMemory;
import io.chirp.hypervisor.VmAcquisition;
import io.chirp.hypervisor.qemu.QemuMonitor;
import io.chirp.hypervisor.session.GdbLease;
import io.chirp.memory.ImageFormat;
import io.chirp.memory.RamLayout;
import io.chirp.memory.acquire.AcquisitionRequest;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * One open VM of some back-end: everything CHIRP reads from or does to a running guest goes through this. Opening
 * never pauses the guest. What the VM can do is declared by {@link #capabilities()}; a method whose capability is
 * missing throws {@link MissingCapabilityException} (through {@link #require}) before touching anything.
 *
 * <p>Thread-safety: memory reads may come from several threads; the control methods (pause, acquisition, monitor)
 * are meant for one command at a time.
 */
public interface VmHandle extends AutoCloseable {

    /** {@return who the VM is} */
    VmIdentity identity();

    /** {@return what this VM can do through its back-end, decided when it was opened} */
    Set<Capability> capabilities();

    /** {@return why {@code c} is missing, for the error message (e.g. "no QMP socket"), if known} */
    default Optional<String> whyLacking(Capability c) { return Optional.empty(); }

    /** Throws the one "VM X (backend Y) lacks capability Z" error unless this VM has {@code c}. */
    default void require(Capability c) {
        if (!capabilities().contains(c)) throw new MissingCapabilityException(identity(), c, whyLacking(c).orElse(null));
    }

    /** {@return guest-physical memory, live} */
    PhysicalMemory memory();

    /** {@return where the RAM's bytes sit in guest-physical memory, and where that map came from} */
    RamLayout layout();

    /** {@return the memory path in a word, for reports: e.g. {@code qemu/shared_ram}, {@code libvirt/memory_peek}} */
    String memoryPath();

    /** {@return every vCPU's registers, without pausing the guest} ({@link Capability#REGISTERS}) */
    List<CpuState> registers();

    /** {@return the run state now} */
    VmState state();

    /**
     * Runs {@code action} with the guest paused, resuming it on every exit ({@link Capability#PAUSE}); a guest that
     * was already paused stays paused. {@return how long CHIRP kept it paused, in nanoseconds}
     */
    long whilePaused(Runnable action);

    /**
     * Writes a hashed memory image (with manifest) in {@code mode}: LIVE needs only {@link Capability#MEMORY},
     * CONSISTENT {@link Capability#PAUSE}, MIGRATION {@link Capability#CONSISTENT_IMAGE}.
     */
    VmAcquisition.Result acquire(Path out, ImageFormat format, VmAcquisition.Mode mode, AcquisitionRequest.Progress progress);

    /**
     * Opens the VM's QEMU monitor for a QEMU-level operation ({@link Capability#QEMU_MONITOR}): a disk fleece or a
     * filter-dump capture. The caller closes the handle it gets (a shared connection stays open for others).
     */
    QemuMonitor openMonitor();

    /**
     * Takes the VM's gdbstub for {@code purpose} ({@link Capability#KERNEL_BREAKPOINTS}) until the lease closes:
     * QEMU serves one gdb client, so others asking meanwhile are told who has it.
     */
    default GdbLease debugger(String purpose) {
        require(Capability.KERNEL_BREAKPOINTS);
        throw new IllegalStateException(identity() + " declares " + Capability.KERNEL_BREAKPOINTS + " without a debugger");
    }

    /** {@return the VM's NICs, as {@link Capability#TRAFFIC_CAPTURE} names them} */
    List<Nic> nics();

    /**
     * Delivers this VM's lifecycle events until the subscription closes ({@link Capability#LIFECYCLE_EVENTS}); the
     * listener runs on another thread and must be quick.
     */
    Subscription onLifecycle(Consumer<VmEvent> listener);

    /** {@return identity fields for evidence manifests (pid, UUID, memory source, URI)} */
    Map<String, String> evidenceIdentity();

    @Override void close();

    /**
     * A network interface.
     *
     * @param netdev the back-end's id of the host side (QEMU's netdev id), which a capture names
     * @param mac    its MAC address, if known
     * @param model  the device model, if known
     * @param note   where it was found (command line, domain XML), for listings
     */
    record Nic(String netdev, String mac, String model, String note) {}
}
