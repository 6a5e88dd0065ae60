package io.chirp.hypervisor;

import io.chirp.core.ChirpException;
import io.chirp.core.CpuState;
import io.chirp.core.PhysicalMemory;
import io.chirp.hypervisor.backend.Capability;
import io.chirp.hypervisor.backend.Subscription;
import io.chirp.hypervisor.backend.VmEvent;
import io.chirp.hypervisor.backend.VmHandle;
import io.chirp.hypervisor.backend.VmIdentity;
import io.chirp.hypervisor.backend.VmState;
import io.chirp.hypervisor.qemu.QemuCommandLine;
import io.chirp.hypervisor.qemu.QemuMonitor;
import io.chirp.hypervisor.session.GdbLease;
import io.chirp.hypervisor.qemu.QmpClient;
import io.chirp.memory.ImageFormat;
import io.chirp.memory.RamLayout;
import io.chirp.memory.acquire.AcquisitionRequest;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * A QEMU VM reached directly ({@link QemuBackend}): a {@link LiveVm} behind the back-end interface. Its capabilities
 * follow from its command line: a QMP socket gives registers, pause, migration, disk views, captures and events; a
 * gdbstub alone gives registers (with a brief pause); the RAM file alone gives memory only.
 */
final class QemuHandle implements VmHandle {
    private final LiveVm live;
    private final VmIdentity id;
    private final Set<Capability> caps;

    QemuHandle(LiveVm live) {
        this.live = live;
        QemuVm vm = live.vm();
        this.id = new VmIdentity(QemuBackend.ID, vm.name(), vm.uuid(), QemuBackend.HOST);
        this.caps = capabilities(vm);
    }

    /** {@return what a QEMU VM with this command line can do} */
    static Set<Capability> capabilities(QemuVm vm) {
        Set<Capability> c = EnumSet.of(Capability.MEMORY);
        if (vm.qmpSocket().isPresent()) {
            c.addAll(EnumSet.of(Capability.REGISTERS, Capability.PAUSE, Capability.CONSISTENT_IMAGE, Capability.DISK_VIEWS,
                    Capability.TRAFFIC_CAPTURE, Capability.LIFECYCLE_EVENTS, Capability.QEMU_MONITOR));
        } else if (vm.gdbPort() > 0) {
            c.add(Capability.REGISTERS);
        }
        if (vm.gdbPort() > 0) c.add(Capability.KERNEL_BREAKPOINTS);
        return Set.copyOf(c);
    }

    /** {@return the LiveVm behind this handle (QEMU-direct only: its QMP, session and memory path)} */
    LiveVm live() { return live; }

    @Override public VmIdentity identity() { return id; }

    @Override public Set<Capability> capabilities() { return caps; }

    @Override public Optional<String> whyLacking(Capability c) {
        if (caps.contains(c)) return Optional.empty();
        return Optional.of(switch (c) {
            case REGISTERS -> "its command line has neither a QMP socket nor a gdbstub";
            case KERNEL_BREAKPOINTS -> "its command line has no gdbstub (-gdb tcp:127.0.0.1:PORT)";
            default -> "its command line has no QMP socket (-qmp unix:PATH,server=on,wait=off)";
        });
    }

    @Override public PhysicalMemory memory() { return live.memory(); }

    @Override public RamLayout layout() { return live.layout(); }

    @Override public String memoryPath() { return "qemu/" + live.memoryPath().name().toLowerCase(Locale.ROOT); }

    @Override public List<CpuState> registers() {
        require(Capability.REGISTERS);
        return live.registers();
    }

    @Override public VmState state() {
        if (live.qmp().isEmpty()) return ProcessHandle.of(live.vm().pid()).isPresent() ? VmState.UNKNOWN : VmState.STOPPED;
        return QemuBackend.state(live.status());
    }

    @Override public long whilePaused(Runnable action) {
        require(Capability.PAUSE);
        return live.whilePaused(action);
    }

    @Override public VmAcquisition.Result acquire(Path out, ImageFormat format, VmAcquisition.Mode mode,
                                                  AcquisitionRequest.Progress progress) {
        if (mode == VmAcquisition.Mode.CONSISTENT) require(Capability.PAUSE);
        if (mode == VmAcquisition.Mode.MIGRATION) require(Capability.CONSISTENT_IMAGE);
        return VmAcquisition.acquire(live, out, format, mode, progress);
    }

    @Override public QemuMonitor openMonitor() {
        require(Capability.QEMU_MONITOR);
        return live.session().qmp();
    }

    @Override public GdbLease debugger(String purpose) {
        require(Capability.KERNEL_BREAKPOINTS);
        return live.session().gdb(purpose, java.time.Duration.ZERO);
    }

    @Override public List<Nic> nics() {
        QemuCommandLine cl = QemuCommandLine.of(live.vm().argv());
        List<Nic> out = new ArrayList<>();
        for (String n : cl.netdevIds()) {
            out.add(new Nic(n, cl.mac(n).orElse(null), cl.nicModel(n).orElse(null), "QEMU command line -netdev"));
        }
        return out;
    }

    @Override public Subscription onLifecycle(Consumer<VmEvent> listener) {
        require(Capability.LIFECYCLE_EVENTS);
        QmpClient qmp = live.qmp().orElseThrow(() -> ChirpException.unavailable("VM " + id.name()
                + ": lifecycle events need its QMP connection: " + live.qmpProblem().orElse("none")));
        QmpClient.Subscription sub = qmp.onEvent("lifecycle " + id.name(), 1024, e -> {
            VmEvent.Kind k = switch (e.name()) {
                // QEMU also sends STOP for every gdbstub stop (state "debug", over in microseconds while a tracer
                // runs): only a stop QEMU still reports as something else than debug or running is a pause
                case "STOP" -> {
                    String now = qmp.status();
                    yield now.equals("debug") || now.equals("running") ? null : VmEvent.Kind.PAUSED;
                }
                case "RESUME" -> VmEvent.Kind.RESUMED;
                case "SHUTDOWN" -> VmEvent.Kind.STOPPED;
                case "RESET" -> VmEvent.Kind.RESET;
                case "GUEST_PANICKED" -> VmEvent.Kind.CRASHED;
                case "MIGRATION" -> "completed".equals(e.data().path("status").asText()) ? VmEvent.Kind.MIGRATED : null;
                default -> null;
            };
            if (k != null) listener.accept(new VmEvent(id, k, Instant.now(), "QMP " + e.name()));
        });
        return sub::close;
    }

    @Override public Map<String, String> evidenceIdentity() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("backend", QemuBackend.ID);
        m.put("qemu_pid", Long.toString(live.vm().pid()));
        live.vm().uuid().ifPresent(u -> m.put("uuid", u));
        m.put("memory_source", live.memory().describe());
        return m;
    }

    @Override public void close() { live.close(); }
}
