package io.chirp.hypervisor;

import io.chirp.core.ChirpException;
import io.chirp.core.CpuState;
import io.chirp.core.MemoryRange;
import io.chirp.core.PhysicalMemory;
import io.chirp.hypervisor.pause.PauseGuard;
import io.chirp.hypervisor.qemu.GdbMemory;
import io.chirp.hypervisor.qemu.GdbRemote;
import io.chirp.hypervisor.qemu.HmpRegisters;
import io.chirp.hypervisor.qemu.QmpClient;
import io.chirp.hypervisor.qemu.QmpMemory;
import io.chirp.memory.MappedFileMemory;
import io.chirp.memory.RamLayout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A running QEMU VM attached for introspection: its physical memory through the best channel available, its
 * vCPU state, and pause/resume for consistent views. Attaching never pauses the guest (except the gdbstub
 * memory path, which is only chosen when nothing else exists, and says so).
 */
public final class LiveVm implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LiveVm.class);
    /** Below this size RAM sits at file offset == GPA on both pc and q35 machines. */
    private static final long SAFE_IDENTITY_LIMIT = 2816L << 20;

    private final QemuVm vm;
    private final QmpClient qmp;
    private final PhysicalMemory memory;
    private final QemuVm.MemoryPath path;
    private final RamLayout layout;

    private LiveVm(QemuVm vm, QmpClient qmp, PhysicalMemory memory, QemuVm.MemoryPath path, RamLayout layout) {
        this.vm = vm;
        this.layout = layout;
        this.qmp = qmp;
        this.memory = memory;
        this.path = path;
    }

    /** Attaches to a VM using its best memory path. */
    public static LiveVm attach(QemuVm vm) { return attach(vm, vm.memoryPath()); }

    /** Attaches to a VM with a chosen memory path (to compare paths, or to force a fallback). */
    public static LiveVm attach(QemuVm vm, QemuVm.MemoryPath wanted) {
        QmpClient qmp = null;
        if (vm.qmpSocket().isPresent()) {
            try {
                qmp = QmpClient.connect(vm.qmpSocket().get());
            } catch (ChirpException e) {
                log.warn("VM {}: QMP unavailable ({}); registers and layout will come from elsewhere", vm.name(), e.getMessage());
            }
        }
        try {
            RamLayout layout = layout(vm, qmp);
            List<MemoryRange> ranges = layout.segments().stream()
                    .map(s -> new MemoryRange(s.gpa(), s.gpaEnd(), s.name())).toList();
            PhysicalMemory mem = switch (wanted) {
                case SHARED_RAM -> {
                    Path ram = vm.ramFile().orElseThrow(() -> ChirpException.unavailable("VM " + vm.name()
                            + " has no RAM backend file"));
                    if (!vm.ramShared()) throw ChirpException.unavailable("VM " + vm.name()
                            + ": its RAM file is not share=on, so it does not show the live RAM");
                    yield MappedFileMemory.open(ram, layout.segments(), true,
                            "shared RAM file " + ram + " (live, zero-copy, no pause)");
                }
                case QMP -> {
                    if (qmp == null) throw ChirpException.unavailable("VM " + vm.name() + " has no usable QMP socket");
                    yield new QmpMemory(qmp, ranges);
                }
                case GDBSTUB -> {
                    if (vm.gdbPort() <= 0) throw ChirpException.unavailable("VM " + vm.name() + " has no gdbstub");
                    yield new GdbMemory(GdbRemote.connect("127.0.0.1", vm.gdbPort()), ranges);
                }
                case NONE -> throw ChirpException.unavailable("VM " + vm.name()
                        + " offers no introspection channel (no shared RAM file, QMP socket or gdbstub)");
            };
            return new LiveVm(vm, qmp, mem, wanted, layout);
        } catch (RuntimeException e) {
            if (qmp != null) qmp.close();
            throw e;
        }
    }

    private static RamLayout layout(QemuVm vm, QmpClient qmp) {
        if (qmp != null) {
            RamLayout l = RamLayout.parse(qmp.hmp("info mtree -f"), vm.ramBackend());
            if (!l.segments().isEmpty()) return l;
        }
        long size = vm.memoryBytes();
        if (size == 0 && vm.ramFile().isPresent()) {
            try {
                size = Files.size(vm.ramFile().get());
            } catch (IOException e) {
                throw ChirpException.io("cannot stat " + vm.ramFile().get(), e);
            }
        }
        if (size == 0) throw ChirpException.unavailable("VM " + vm.name() + ": RAM size unknown and no QMP to ask");
        if (size > SAFE_IDENTITY_LIMIT) {
            throw ChirpException.unavailable("VM " + vm.name() + " has " + (size >> 20) + " MiB of RAM: part of it lies"
                    + " above 4 GiB and only QMP ('info mtree -f') can say where; QMP is unavailable");
        }
        return RamLayout.identity(size);
    }

    public QemuVm vm() { return vm; }

    /** {@return where the RAM backend's bytes sit in guest-physical memory} */
    public RamLayout layout() { return layout; }

    /** {@return guest-physical memory} */
    public PhysicalMemory memory() { return memory; }

    /** {@return which path memory reads take} */
    public QemuVm.MemoryPath memoryPath() { return path; }

    /** {@return the QMP connection, if there is one} */
    public Optional<QmpClient> qmp() { return Optional.ofNullable(qmp); }

    /** {@return the state of every vCPU, through QMP (no pause) or else the gdbstub (brief pause)} */
    public List<CpuState> registers() {
        if (qmp != null) return HmpRegisters.parse(qmp.hmp("info registers -a"));
        return registersFromGdb();
    }

    /** {@return every vCPU's state from the gdbstub, which also has KERNEL_GS_BASE; QEMU pauses while attached} */
    public List<CpuState> registersFromGdb() {
        if (vm.gdbPort() <= 0) throw ChirpException.unavailable("VM " + vm.name() + " has neither QMP nor a gdbstub");
        try (GdbRemote g = GdbRemote.connect("127.0.0.1", vm.gdbPort())) {
            List<CpuState> out = new ArrayList<>();
            List<String> threads = g.threadIds();
            for (int i = 0; i < threads.size(); i++) {
                g.selectThread(threads.get(i));
                out.add(HmpRegisters.fromGdb(i, g.readRegisters()));
            }
            return out;
        }
    }

    /** {@return QEMU's run state ("running", "paused", ...)} */
    public String status() {
        return qmp != null ? qmp.status() : "unknown (no QMP)";
    }

    /**
     * Runs {@code action} with the VM paused and resumes it afterwards (unless it was already paused). A pause
     * marker and a shutdown hook ({@link PauseGuard}) make sure an interrupted or killed CHIRP does not leave
     * the guest paused; no guardian process, as these pauses last milliseconds.
     *
     * @return how long the guest was paused, in nanoseconds
     */
    public long whilePaused(Runnable action) {
        QmpClient q = requireQmp("pause the VM");
        try (PauseGuard g = PauseGuard.forPause(vm, q, "a consistent read (whilePaused)", false)) {
            long start = System.nanoTime();
            g.pause();
            try {
                action.run();
            } finally {
                g.resume();
            }
            return g.wasRunning() ? System.nanoTime() - start : 0;
        }
    }

    private QmpClient requireQmp(String what) {
        if (qmp == null) throw ChirpException.unavailable("cannot " + what + ": VM " + vm.name() + " has no usable QMP");
        return qmp;
    }

    @Override
    public void close() {
        try {
            memory.close();
        } finally {
            if (qmp != null) qmp.close();
        }
    }
}
