package io.chirp.hypervisor;

import io.chirp.hypervisor.backend.Capability;
import io.chirp.hypervisor.backend.VmBackend;
import io.chirp.hypervisor.backend.VmHandle;
import io.chirp.hypervisor.backend.VmIdentity;
import io.chirp.hypervisor.backend.VmInfo;
import io.chirp.hypervisor.backend.VmState;
import io.chirp.hypervisor.pause.PauseGuard;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * QEMU-direct: the QEMU processes of this host, found in /proc ({@link VmInventory}), reached through their QMP
 * socket, RAM file and gdbstub. QMP, HMP and the gdbstub stay inside this implementation ({@link LiveVm},
 * {@code qemu.*}); the rest of CHIRP sees a {@link VmHandle}.
 */
public final class QemuBackend implements VmBackend {
    private static final Logger log = LoggerFactory.getLogger(QemuBackend.class);
    /** This back-end's id. */
    public static final String ID = "qemu";
    static final String HOST = host();

    @Override public String id() { return ID; }

    @Override public String description() { return "QEMU processes on this host (from /proc), through QMP, the RAM file, the gdbstub"; }

    @Override public Set<Capability> capabilities() {
        return Set.of(Capability.MEMORY, Capability.REGISTERS, Capability.PAUSE, Capability.CONSISTENT_IMAGE,
                Capability.DISK_VIEWS, Capability.TRAFFIC_CAPTURE, Capability.QEMU_MONITOR, Capability.KERNEL_BREAKPOINTS);
    }

    @Override public List<VmInfo> list() {
        return new VmInventory().list().stream().map(QemuBackend::info).toList();
    }

    /** {@return a QEMU VM as the back-end interface lists it} */
    static VmInfo info(QemuVm vm) {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("pid", Long.toString(vm.pid()));
        d.put("memory", Long.toString(vm.memoryBytes()));
        vm.ramFile().ifPresent(f -> d.put("ram_file", f + (vm.ramShared() ? "" : " (not shared)")));
        vm.qmpSocket().ifPresent(s -> d.put("qmp_socket", s.toString()));
        if (vm.gdbPort() > 0) d.put("gdbstub", "127.0.0.1:" + vm.gdbPort());
        markerNote(vm).ifPresent(n -> d.put("chirp", n));
        // QEMU serves one client per channel: who has it, when CHIRP does
        List<String> holders = VmInventory.holders(vm).stream().map(l -> l.channel() + ": " + l.command() + " pid " + l.pid()
                + (l.purpose().isEmpty() ? "" : " (" + l.purpose() + ")")).toList();
        if (!holders.isEmpty()) d.put("held_by", String.join("; ", holders));
        return new VmInfo(new VmIdentity(ID, vm.name(), vm.uuid(), HOST),
                ProcessHandle.of(vm.pid()).isPresent() ? VmState.RUNNING : VmState.STOPPED,
                QemuHandle.capabilities(vm), vm.memoryPath().name().toLowerCase(Locale.ROOT), d);
    }

    /** {@return what a pause marker says about the VM: CHIRP working on it, or a killed CHIRP's leftovers} */
    private static java.util.Optional<String> markerNote(QemuVm vm) {
        try {
            return io.chirp.hypervisor.pause.PauseMarker.read(vm.name()).filter(m -> m.qemuPid() == vm.pid())
                    .map(m -> m.ownerAlive() ? m.operation() + " by pid " + m.chirpPid()
                            : "left by killed pid " + m.chirpPid() + " (" + m.operation() + "): chirp vm resume " + vm.name());
        } catch (io.chirp.core.ChirpException e) {
            return java.util.Optional.of(e.getMessage());
        }
    }

    /**
     * Opens a QEMU VM by name or pid. If an earlier CHIRP was killed while it had the VM paused (or mid-migration),
     * says so: the operator decides, with {@code chirp vm resume}.
     */
    @Override public VmHandle open(String nameOrPid) {
        LiveVm live = LiveVm.attach(new VmInventory().find(nameOrPid));
        try {
            PauseGuard.staleNotice(live.vm(), live.qmp().orElse(null)).ifPresent(n -> log.warn("{}", n));
        } catch (RuntimeException e) {
            live.close();
            throw e;
        }
        return new QemuHandle(live);
    }

    /** {@return the QEMU-direct handle for an attached LiveVm (for code that attached with a chosen memory path)} */
    public static VmHandle handle(LiveVm live) { return new QemuHandle(live); }

    /** {@return the LiveVm behind a QEMU-direct handle, if {@code h} is one} */
    public static java.util.Optional<LiveVm> live(VmHandle h) {
        return io.chirp.hypervisor.backend.VmBackends.unwrap(h) instanceof QemuHandle q
                ? java.util.Optional.of(q.live()) : java.util.Optional.empty();
    }

    /** {@return QEMU's run state (query-status) in the back-end terms} */
    static VmState state(String qemuStatus) {
        return switch (qemuStatus) {
            case "running" -> VmState.RUNNING;
            case "paused", "debug", "inmigrate", "postmigrate", "prelaunch", "finish-migrate", "save-vm", "restore-vm",
                 "colo", "suspended" -> qemuStatus.equals("suspended") ? VmState.SUSPENDED : VmState.PAUSED;
            case "shutdown" -> VmState.STOPPED;
            case "guest-panicked", "internal-error", "io-error" -> VmState.CRASHED;
            default -> VmState.UNKNOWN;
        };
    }

    private static String host() {
        // the kernel's name for this host: no DNS lookup (which can take seconds on a machine without one)
        try {
            String h = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/sys/kernel/hostname")).strip();
            return h.isEmpty() ? "localhost" : h;
        } catch (java.io.IOException | RuntimeException e) {
            return "localhost";
        }
    }
}
