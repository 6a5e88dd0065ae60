package io.chirp.hypervisor;

import io.chirp.core.CpuState;
import io.chirp.core.PhysicalMemory;
import io.chirp.memory.MemoryImage;
import io.chirp.memory.MemoryImages;

import java.nio.file.Path;
import java.util.List;

/**
 * What an analyst points CHIRP at: a running VM or a memory image. Both give physical memory and vCPU state;
 * only a running VM can be paused.
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
     * Opens a running VM by name or pid. If an earlier CHIRP was killed while it had the VM paused (or
     * mid-migration), says so: the operator decides, with {@code chirp vm resume}.
     */
    static Target vm(String nameOrPid) {
        LiveVm live = LiveVm.attach(new VmInventory().find(nameOrPid));
        try {
            io.chirp.hypervisor.pause.PauseGuard.staleNotice(live.vm(), live.qmp().orElse(null))
                    .ifPresent(n -> org.slf4j.LoggerFactory.getLogger(Target.class).warn("{}", n));
        } catch (RuntimeException e) {
            live.close();
            throw e;
        }
        return new Live(live);
    }

    /** Opens a memory image, its format detected from its content. */
    static Target image(Path file) {
        return new Image(MemoryImages.open(file));
    }

    /** Opens a memory image; a raw one with {@code layout} (null: offset == GPA from 0). */
    static Target image(Path file, io.chirp.memory.RawLayout layout) {
        return new Image(MemoryImages.open(file, layout));
    }

    /** A running VM. */
    record Live(LiveVm vm) implements Target {
        @Override public String name() { return vm.vm().name(); }
        @Override public PhysicalMemory memory() { return vm.memory(); }
        @Override public List<CpuState> cpus() {
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
