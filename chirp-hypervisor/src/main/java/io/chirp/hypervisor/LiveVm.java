package io.chirp.hypervisor;

import io.chirp.core.ChirpException;
import io.chirp.core.CpuState;
import io.chirp.core.MemoryRange;
import io.chirp.core.PhysicalMemory;
import io.chirp.hypervisor.pause.PauseGuard;
import io.chirp.hypervisor.qemu.ChannelLease;
import io.chirp.hypervisor.qemu.GdbMemory;
import io.chirp.hypervisor.qemu.GdbRemote;
import io.chirp.hypervisor.qemu.HmpRegisters;
import io.chirp.hypervisor.qemu.QmpClient;
import io.chirp.hypervisor.qemu.QmpMemory;
import io.chirp.hypervisor.session.GdbLease;
import io.chirp.hypervisor.session.VmSession;
import io.chirp.hypervisor.session.VmSessions;
import io.chirp.memory.MappedFileMemory;
import io.chirp.memory.RamLayout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
    private final VmSession session;
    private final QmpClient qmp;
    private final String qmpProblem;
    private final PhysicalMemory memory;
    private final QemuVm.MemoryPath path;
    private final RamLayout layout;
    private final String layoutSource;

    private LiveVm(QemuVm vm, VmSession session, QmpClient qmp, String qmpProblem, PhysicalMemory memory,
                   QemuVm.MemoryPath path, RamLayout layout, String layoutSource) {
        this.vm = vm;
        this.session = session;
        this.layout = layout;
        this.layoutSource = layoutSource;
        this.qmp = qmp;
        this.qmpProblem = qmpProblem;
        this.memory = memory;
        this.path = path;
    }

    /** Attaches to a VM using its best memory path. */
    public static LiveVm attach(QemuVm vm) { return attach(vm, vm.memoryPath()); }

    /**
     * Attaches to a VM with a chosen memory path (to compare paths, or to force a fallback). The VM's channels come
     * from this process's {@link VmSessions broker}: a QMP connection another user here already has is shared.
     * When QMP is held by another process, attaching still succeeds on the RAM file, saying so.
     */
    public static LiveVm attach(QemuVm vm, QemuVm.MemoryPath wanted) {
        VmSession session = VmSessions.shared().session(vm);
        QmpClient qmp = null;
        String qmpProblem = vm.qmpSocket().isPresent() ? null : "VM " + vm.name() + " has no QMP socket";
        if (vm.qmpSocket().isPresent()) {
            try {
                qmp = session.qmp();
            } catch (ChirpException e) {
                qmpProblem = e.getMessage();
                log.warn("{}; registers and the memory layout will come from elsewhere", e.getMessage());
            }
        }
        GdbLease gdb = null;
        try {
            String[] source = new String[1];
            RamLayout layout = layout(vm, qmp, source);
            if (qmp == null) log.warn("VM {}: memory layout from {}", vm.name(), source[0]);
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
                    if (qmp == null) throw ChirpException.unavailable("VM " + vm.name() + " has no usable QMP: " + qmpProblem);
                    yield new QmpMemory(qmp, ranges);
                }
                case GDBSTUB -> {
                    if (vm.gdbPort() <= 0) throw ChirpException.unavailable("VM " + vm.name() + " has no gdbstub");
                    gdb = session.gdb("memory reads", Duration.ofSeconds(5));
                    GdbLease held = gdb;
                    yield new GdbMemory(held.remote(), ranges, held::close);
                }
                case NONE -> throw ChirpException.unavailable("VM " + vm.name()
                        + " offers no introspection channel (no shared RAM file, QMP socket or gdbstub)");
            };
            return new LiveVm(vm, session, qmp, qmpProblem, mem, wanted, layout, source[0]);
        } catch (RuntimeException e) {
            if (gdb != null) gdb.close();
            if (qmp != null) qmp.close();
            throw e;
        }
    }

    private static RamLayout layout(QemuVm vm, QmpClient qmp, String[] source) {
        if (qmp != null) {
            String mtree = qmp.hmp("info mtree -f");
            RamLayout l = RamLayout.parse(mtree, vm.ramBackend());
            if (!l.segments().isEmpty()) {
                // for other CHIRP processes, which cannot ask QEMU while we hold its one QMP connection
                qmp.publish("mtree", mtree);
                source[0] = "QMP 'info mtree -f'";
                return l;
            }
        }
        Optional<ChannelLease> holder = vm.qmpSocket().flatMap(QmpClient::holder);
        if (holder.isPresent() && holder.get().published().containsKey("mtree")) {
            // QEMU's memory map only changes with memory hotplug, which the holder's connection would have seen
            RamLayout l = RamLayout.parse(holder.get().published().get("mtree"), vm.ramBackend());
            if (!l.segments().isEmpty()) {
                source[0] = "QEMU's 'info mtree -f' as published by the QMP holder " + holder.get().describe();
                return l;
            }
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
        source[0] = "the RAM size (" + (size >> 20) + " MiB, below 2.75 GiB, so file offset = guest-physical address)";
        return RamLayout.identity(size);
    }

    public QemuVm vm() { return vm; }

    /** {@return where the RAM backend's bytes sit in guest-physical memory} */
    public RamLayout layout() { return layout; }

    /** {@return guest-physical memory} */
    public PhysicalMemory memory() { return memory; }

    /** {@return which path memory reads take} */
    public QemuVm.MemoryPath memoryPath() { return path; }

    /** {@return this process's QMP handle for the VM, if it has one (do not close it: the LiveVm does)} */
    public Optional<QmpClient> qmp() { return Optional.ofNullable(qmp); }

    /** {@return why there is no QMP handle (e.g. "QMP of VM lab is held by `chirp monitor`, pid 42 ..."), if none} */
    public Optional<String> qmpProblem() { return Optional.ofNullable(qmp == null ? qmpProblem : null); }

    /** {@return where {@link #layout()} came from: QMP, the QMP holder's published map, or the RAM size} */
    public String layoutSource() { return layoutSource; }

    /** {@return this VM's session in the process-wide broker (its shared QMP connection and gdbstub)} */
    public VmSession session() { return session; }

    /**
     * {@return the state of every vCPU, through QMP (no pause)} A VM without a QMP socket is asked through the
     * gdbstub instead (a brief pause); a VM whose QMP another client holds is not, and the error says who holds it.
     */
    public List<CpuState> registers() {
        if (qmp != null) return HmpRegisters.parse(qmp.hmp("info registers -a"));
        if (vm.qmpSocket().isPresent()) {
            throw ChirpException.unavailable(qmpProblem + "; vCPU registers need QMP (the gdbstub would pause the guest)");
        }
        return registersFromGdb();
    }

    /** {@return every vCPU's state from the gdbstub, which also has KERNEL_GS_BASE; QEMU pauses while attached} */
    public List<CpuState> registersFromGdb() {
        if (vm.gdbPort() <= 0) throw ChirpException.unavailable("VM " + vm.name() + " has neither QMP nor a gdbstub");
        try (GdbLease lease = session.gdb("registers", Duration.ofSeconds(5))) {
            GdbRemote g = lease.remote();
            List<CpuState> out = new ArrayList<>();
            List<String> threads = g.threadIds();
            for (int i = 0; i < threads.size(); i++) {
                g.selectThread(threads.get(i));
                out.add(HmpRegisters.fromGdb(i, g.readRegisters()));
            }
            return out;
        }
    }

    /**
     * {@return every vCPU's state from the gdbstub, in its architecture's variant} An AArch64 guest (recognised
     * by the stub's register description) gives {@link io.chirp.core.Aarch64CpuState}s with the system registers
     * translation needs; an x86 guest the same {@link CpuState}s as {@link #registersFromGdb()}.
     */
    public List<io.chirp.core.VcpuState> vcpusFromGdb() {
        if (vm.gdbPort() <= 0) throw ChirpException.unavailable("VM " + vm.name() + " has no gdbstub");
        try (GdbLease lease = session.gdb("registers", Duration.ofSeconds(5))) {
            GdbRemote g = lease.remote();
            boolean arm = io.chirp.hypervisor.qemu.Aarch64Registers.isAarch64(g.registers());
            List<io.chirp.core.VcpuState> out = new ArrayList<>();
            List<String> threads = g.threadIds();
            for (int i = 0; i < threads.size(); i++) {
                g.selectThread(threads.get(i));
                out.add(arm ? io.chirp.hypervisor.qemu.Aarch64Registers.read(g, i) : HmpRegisters.fromGdb(i, g.readRegisters()));
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
        if (qmp == null) throw ChirpException.unavailable("cannot " + what + ": VM " + vm.name() + " has no usable QMP"
                + (qmpProblem != null ? " (" + qmpProblem + ")" : ""));
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
