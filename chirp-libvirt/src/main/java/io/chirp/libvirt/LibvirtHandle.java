package io.chirp.libvirt;

import io.chirp.core.ChirpException;
import io.chirp.core.CpuState;
import io.chirp.core.PhysicalMemory;
import io.chirp.hypervisor.VmAcquisition;
import io.chirp.hypervisor.migration.MigrationAcquisition;
import io.chirp.hypervisor.backend.Capability;
import io.chirp.hypervisor.backend.Subscription;
import io.chirp.hypervisor.backend.VmEvent;
import io.chirp.hypervisor.backend.VmHandle;
import io.chirp.hypervisor.backend.VmIdentity;
import io.chirp.hypervisor.backend.VmState;
import io.chirp.hypervisor.qemu.HmpRegisters;
import io.chirp.hypervisor.qemu.QemuCommandLine;
import io.chirp.hypervisor.qemu.QemuMonitor;
import io.chirp.memory.ImageFormat;
import io.chirp.memory.RamLayout;
import io.chirp.memory.acquire.AcquisitionManifest;
import io.chirp.memory.acquire.AcquisitionRequest;
import io.chirp.memory.acquire.MemoryAcquirer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * One running libvirt domain behind the back-end interface. Everything goes through libvirt's API on one connection,
 * which this handle owns: memory is the domain's shared RAM file mapped read-only (or {@code virDomainMemoryPeek}),
 * registers and the memory layout come from QEMU's monitor through libvirt's passthrough, pause is libvirt's own
 * ({@code virDomainSuspend}/{@code virDomainResume}, which libvirt records), disks are fleeced and NICs captured on
 * the same passthrough ({@link LibvirtMonitor}), events are libvirt's lifecycle events.
 *
 * <p>{@link Capability#CONSISTENT_IMAGE} ({@code acquire --migration}) is QEMU's live migration into CHIRP, as on
 * QEMU-direct, run through libvirt's monitor passthrough ({@link LibvirtMigration}): the same ~20 ms downtime limit,
 * vCPU registers read in the final pause, the pause measured from QEMU's STOP/RESUME event timestamps (libvirt
 * passes QEMU's events on), and the same marker-and-guardian recovery on every exit, over the same passthrough.
 */
final class LibvirtHandle implements VmHandle {
    private static final Logger log = LoggerFactory.getLogger(LibvirtHandle.class);
    static final Set<Capability> CAPABILITIES = Set.copyOf(EnumSet.of(Capability.MEMORY, Capability.REGISTERS,
            Capability.PAUSE, Capability.DISK_VIEWS, Capability.TRAFFIC_CAPTURE, Capability.LIFECYCLE_EVENTS,
            Capability.QEMU_MONITOR, Capability.CONSISTENT_IMAGE));

    private final LibvirtConnection connection;
    private final LibvirtDomain domain;
    private final VmIdentity id;
    private final DomainInfo info;
    private final DomainMemory.Opened memory;

    private LibvirtHandle(LibvirtConnection connection, LibvirtDomain domain, DomainInfo info, DomainMemory.Opened memory) {
        this.connection = connection;
        this.domain = domain;
        this.info = info;
        this.memory = memory;
        this.id = LibvirtBackend.identity(info.name(), info.uuid(), connection.uri());
    }

    /** Opens the running domain {@code name} on {@code c}; the handle takes over the connection. */
    static LibvirtHandle open(LibvirtConnection c, String name) {
        LibvirtDomain d = c.domain(name);
        try {
            DomainInfo info = d.info();
            if (info.state() != DomainState.RUNNING && info.state() != DomainState.PAUSED && info.state() != DomainState.BLOCKED) {
                throw ChirpException.notFound("libvirt domain " + name + " at " + c.uri() + " is not running ("
                        + info.state().name().toLowerCase(Locale.ROOT) + ")");
            }
            DomainMemory.Opened m = DomainMemory.attach(d);
            if (m.path().equals("memory_peek")) {
                log.warn("libvirt domain {}: no shared RAM file CHIRP can map (add <memoryBacking><source type='file'/>"
                        + "<access mode='shared'/></memoryBacking>); reading through virDomainMemoryPeek, 64 KiB per call", name);
            }
            return new LibvirtHandle(c, d, info, m);
        } catch (RuntimeException e) {
            d.close();
            throw e;
        }
    }

    @Override public VmIdentity identity() { return id; }

    @Override public Set<Capability> capabilities() { return CAPABILITIES; }

    @Override public Optional<String> whyLacking(Capability c) {
        return switch (c) {
            // libvirt's API has no gdbstub passthrough, and a stub added by <qemu:commandline> is outside its control
            case KERNEL_BREAKPOINTS -> Optional.of("libvirt gives no gdbstub; the monitor polls instead");
            default -> Optional.empty();
        };
    }

    @Override public PhysicalMemory memory() { return memory.memory(); }

    @Override public RamLayout layout() { return memory.layout(); }

    @Override public String memoryPath() { return "libvirt/" + memory.path(); }

    @Override public List<CpuState> registers() { return HmpRegisters.parse(domain.hmp("info registers -a")); }

    @Override public VmState state() { return LibvirtBackend.state(domain.state()); }

    @Override public long whilePaused(Runnable action) {
        if (domain.state() != DomainState.RUNNING) {
            action.run();
            return 0;
        }
        Pause p = new Pause();
        p.pause();
        try {
            action.run();
        } finally {
            p.resume();
        }
        return p.nanos;
    }

    /**
     * A libvirt pause that CHIRP's death still undoes: a Ctrl-C or SIGTERM through a shutdown hook, a SIGKILL
     * through a {@link LibvirtGuardian} process started before the suspend, which resumes the domain when CHIRP
     * dies without having resumed it.
     */
    private final class Pause {
        private Thread hook;
        private io.chirp.hypervisor.pause.Guardian.Handle guardian;
        private long start, nanos;
        private boolean paused;

        synchronized void pause() {
            guardian = LibvirtGuardian.spawn(connection.uri(), id.name(), id.uuid().orElse(null));
            hook = new Thread(this::resume, "chirp-libvirt-resume " + id.name());
            Runtime.getRuntime().addShutdownHook(hook);
            start = System.nanoTime();
            try {
                domain.suspend();
            } catch (RuntimeException e) {
                guardian.dismiss();
                Runtime.getRuntime().removeShutdownHook(hook);
                throw e;
            }
            paused = true;
        }

        synchronized void resume() {
            if (!paused) return;
            paused = false;
            boolean resumed = false;
            try {
                domain.resume();
                resumed = true;
            } finally {
                nanos = System.nanoTime() - start;
                // only once resumed (a failed resume leaves the guardian to try), and outside the measured pause
                if (resumed) guardian.dismiss();
                if (Thread.currentThread() != hook) {
                    try {
                        Runtime.getRuntime().removeShutdownHook(hook);
                    } catch (IllegalStateException shuttingDown) {
                        // the hook runs and finds the domain resumed
                    }
                }
            }
        }
    }

    @Override public VmAcquisition.Result acquire(Path out, ImageFormat format, VmAcquisition.Mode mode,
                                                  AcquisitionRequest.Progress progress) {
        Map<String, String> identity = new LinkedHashMap<>(evidenceIdentity());
        identity.put("vm_name", id.name());
        if (mode == VmAcquisition.Mode.MIGRATION) {
            try (MigrationAcquisition m = MigrationAcquisition.start(new LibvirtMigration(domain, connection.uri(), id.name(),
                    info.uuid(), memory.layout()))) {
                return VmAcquisition.fromMigration(m, id.name(), identity, "libvirt/migration", out, format, progress);
            }
        }
        AcquisitionRequest req = AcquisitionRequest.of(format).withVm(id.name(), identity)
                .withSource(memoryPath(), mode.name().toLowerCase(Locale.ROOT)).withProgress(progress);
        List<String> notes = new ArrayList<>();
        if (format == ImageFormat.ELF_CORE) {
            try {
                req = req.withCpus(registers());
            } catch (ChirpException e) {
                notes.add("vCPU registers unavailable: " + e.getMessage());
            }
        }
        AtomicInteger pauses = new AtomicInteger();
        Subscription events = onLifecycle(e -> {
            if (e.kind() == VmEvent.Kind.PAUSED) pauses.incrementAndGet();
        });
        Pause pause = new Pause();
        boolean wasRunning = domain.state() == DomainState.RUNNING;
        if (mode == VmAcquisition.Mode.CONSISTENT) {
            if (wasRunning) req = req.withHooks(pause::pause, pause::resume);
            else notes.add("VM was already paused (" + domain.state() + ") before CHIRP; it was left paused");
        }
        int[] stops = {0};
        req = req.withBeforeCommit(d -> {
            for (String n : notes) d = d.withNote(n);
            stops[0] = pauses.get();
            if (mode == VmAcquisition.Mode.CONSISTENT && pause.nanos > 0) {
                d = d.withNote(String.format(Locale.ROOT, "VM paused %.1f ms (libvirt virDomainSuspend..virDomainResume)",
                        pause.nanos / 1e6)).withDetail("pause_by_libvirt_us", pause.nanos / 1000);
            }
            if (mode == VmAcquisition.Mode.LIVE && stops[0] > 0) d = d.withNote("the VM was paused by someone else during the copy");
            d = d.withDetail("libvirt_suspend_events", stops[0]);
            DomainState now;
            try {
                now = domain.state();
            } catch (ChirpException e) {
                now = DomainState.UNKNOWN;
            }
            boolean alive = now == DomainState.RUNNING || now == DomainState.PAUSED || now == DomainState.BLOCKED;
            return alive ? d : d.incomplete("source vanished: libvirt domain " + id.name() + " is " + now
                    + " after the copy; pages copied after it stopped hold the RAM as QEMU left it");
        });
        try {
            AcquisitionManifest m = MemoryAcquirer.acquire(memory.memory(), out, req);
            if (mode == VmAcquisition.Mode.CONSISTENT) stops[0] = Math.max(0, stops[0] - (wasRunning ? 1 : 0));
            return new VmAcquisition.Result(m, stops[0], pause.nanos > 0 ? pause.nanos / 1000 : -1);
        } finally {
            pause.resume(); // a copy that failed between the hooks must not leave the domain paused
            events.close();
        }
    }

    @Override public QemuMonitor openMonitor() { return new LibvirtMonitor(domain, connection.uri(), id.name()); }

    @Override public List<Nic> nics() {
        List<Nic> out = new ArrayList<>();
        DomainXml x = domain.domainXml();
        for (DomainXml.Nic n : x.nics()) {
            // libvirt names a NIC's QEMU netdev "host" + its device alias (alias net0: netdev hostnet0)
            if (n.alias() == null) continue;
            out.add(new Nic("host" + n.alias(), n.mac(), n.model(), "domain XML <interface type='" + n.type() + "'>"));
        }
        List<String> args = new ArrayList<>();
        args.add("qemu");
        args.addAll(x.qemuArgs());
        QemuCommandLine cl = QemuCommandLine.of(args);
        for (String n : cl.netdevIds()) {
            out.add(new Nic(n, cl.mac(n).orElse(null), cl.nicModel(n).orElse(null), "domain XML <qemu:commandline> -netdev"));
        }
        return out;
    }

    @Override public Subscription onLifecycle(Consumer<VmEvent> listener) {
        String uuid = info.uuid();
        return connection.onLifecycle(e -> {
            if (e.uuid().equals(uuid)) listener.accept(LibvirtBackend.event(e, connection.uri()));
        });
    }

    @Override public Map<String, String> evidenceIdentity() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("backend", LibvirtBackend.ID);
        m.put("libvirt_uri", connection.uri());
        if (!info.uuid().isEmpty()) m.put("uuid", info.uuid());
        if (info.id() >= 0) m.put("libvirt_domain_id", Integer.toString(info.id()));
        m.put("memory_source", memory.memory().describe());
        return m;
    }

    @Override public void close() {
        try {
            memory.memory().close();
        } finally {
            try {
                domain.close();
            } finally {
                connection.close();
            }
        }
    }
}
