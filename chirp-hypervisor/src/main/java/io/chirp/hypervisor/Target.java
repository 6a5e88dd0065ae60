package io.chirp.hypervisor;

import io.chirp.core.CpuState;
import io.chirp.core.PhysicalMemory;
import io.chirp.memory.MemoryImage;
import io.chirp.memory.MemoryImages;

import io.chirp.hypervisor.backend.Capability;
import io.chirp.hypervisor.backend.MissingCapabilityException;
import io.chirp.hypervisor.backend.VmBackends;
import io.chirp.hypervisor.backend.VmHandle;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * What an analyst points CHIRP at: a running VM (of any back-end, {@link VmHandle}) or a memory image. Both give
 * physical memory and vCPU state; only a running VM can be paused.
 */
public sealed interface Target extends AutoCloseable {

    /** {@return a name for reports: the VM name or the image file name} */
    String name();

    /** {@return guest-physical memory} */
    PhysicalMemory memory();

    /**
     * {@return vCPU states (live: now; image: as recorded; may be empty)} A live VM whose QMP another client holds
     * gives none, with a warning: views that only need memory find the kernel without them.
     */
    List<CpuState> cpus();

    @Override void close();

    /**
     * Opens a running VM: {@code NAME} or {@code pid} (a QEMU process here), or {@code BACKEND:NAME}
     * ({@code libvirt:web1}); see {@link VmBackends}.
     */
    static Target vm(String spec) { return vm(spec, Optional.empty()); }

    /** Opens a running VM, with {@code --connect URI} for back-ends that take one (libvirt). */
    static Target vm(String spec, Optional<String> connect) { return new Live(VmBackends.open(spec, connect)); }

    /** Opens a memory image, its format detected from its content. */
    static Target image(Path file) {
        return new Image(MemoryImages.open(file));
    }

    /** Opens a memory image; a raw one with {@code layout} (null: offset == GPA from 0). */
    static Target image(Path file, io.chirp.memory.RawLayout layout) {
        return new Image(MemoryImages.open(file, layout));
    }

    /** A running VM, of any back-end. */
    record Live(VmHandle vm) implements Target {
        @Override public String name() { return vm.identity().name(); }
        @Override public PhysicalMemory memory() { return vm.memory(); }
        @Override public List<CpuState> cpus() {
            if (!vm.capabilities().contains(Capability.REGISTERS)) {
                org.slf4j.LoggerFactory.getLogger(Target.class).warn("no vCPU state: {}; the kernel is found from memory"
                        + " alone", new MissingCapabilityException(vm.identity(), Capability.REGISTERS,
                        vm.whyLacking(Capability.REGISTERS).orElse(null)).getMessage());
                return List.of();
            }
            try {
                return vm.registers();
            } catch (io.chirp.core.ChirpException e) {
                if (e.kind() != io.chirp.core.ChirpException.Kind.UNAVAILABLE) throw e;
                org.slf4j.LoggerFactory.getLogger(Target.class).warn("no vCPU state: {}; the kernel is found from memory alone",
                        e.getMessage());
                return List.of();
            }
        }
        @Override public void close() { vm.close(); }
    }

    /** A memory image file. */
    record Image(MemoryImage image) implements Target {
        @Override public String name() { return image.file().getFileName().toString(); }
        @Override public PhysicalMemory memory() { return image.memory(); }
        @Override public List<CpuState> cpus() { return image.cpus(); }
        @Override public void close() { image.close(); }
    }
}
