package io.chirp.hypervisor.backend;

import io.chirp.core.ChirpException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * The back-ends on the class path ({@link ServiceLoader}) and the one way a command turns {@code --vm} into a VM:
 * <ul>
 *   <li>{@code ID:NAME} opens NAME in back-end ID ({@code qemu:lab}, {@code libvirt:web1});</li>
 *   <li>a bare {@code NAME} is a QEMU process on this host (back-end {@value #DEFAULT}), or, with
 *       {@code --connect URI}, a domain of the libvirt daemon at URI ({@value #CONNECTED}).</li>
 * </ul>
 */
public final class VmBackends {
    private static final Logger log = LoggerFactory.getLogger(VmBackends.class);
    /** The back-end of a bare name. */
    public static final String DEFAULT = "qemu";
    /** The back-end of a bare name given with {@code --connect}. */
    public static final String CONNECTED = "libvirt";

    private VmBackends() {}

    /** {@return every back-end found, in class-path order (QEMU-direct first when present)} */
    public static List<VmBackend> all() {
        List<VmBackend> out = new ArrayList<>();
        for (VmBackend b : ServiceLoader.load(VmBackend.class)) out.add(b);
        out.sort(java.util.Comparator.comparing((VmBackend b) -> !b.id().equals(DEFAULT)).thenComparing(VmBackend::id));
        return out;
    }

    /** {@return the back-end with this id} */
    public static VmBackend byId(String id) {
        List<VmBackend> all = all();
        return all.stream().filter(b -> b.id().equals(id)).findFirst().orElseThrow(() -> ChirpException.usage(
                "no VM backend '" + id + "'; available: " + String.join(", ", all.stream().map(VmBackend::id).toList())));
    }

    /** A {@code --vm} value split into back-end and name. */
    public record Ref(String backend, String name) {}

    /** {@return {@code spec} split: a known back-end id before the first ':' picks it, anything else is a bare name} */
    public static Ref parse(String spec, Optional<String> connect) {
        if (spec == null || spec.isBlank()) throw ChirpException.usage("empty VM name");
        int colon = spec.indexOf(':');
        if (colon > 0) {
            String id = spec.substring(0, colon);
            if (all().stream().anyMatch(b -> b.id().equals(id))) return new Ref(id, spec.substring(colon + 1));
        }
        return new Ref(connect.isPresent() ? CONNECTED : DEFAULT, spec);
    }

    /** {@return the back-end for {@code ref}, connected to {@code connect} if given} */
    public static VmBackend backend(Ref ref, Optional<String> connect) {
        VmBackend b = byId(ref.backend());
        return connect.isPresent() ? b.connect(connect.get()) : b;
    }

    /**
     * Opens the VM {@code spec} names ({@code NAME}, {@code ID:NAME}), with {@code --connect URI} if given. The
     * handle owns its back-end connection: closing it closes both.
     */
    public static VmHandle open(String spec, Optional<String> connect) {
        Ref ref = parse(spec, connect);
        VmBackend b = backend(ref, connect);
        try {
            VmHandle h = b.open(ref.name());
            return new Owning(h, b);
        } catch (RuntimeException e) {
            b.close();
            throw e;
        }
    }

    /**
     * {@return the VM {@code spec} names as its back-end lists it, without opening it} (a cheap check before work
     * that opens it later, e.g. a server job: NOT_FOUND now, not half-way; and its declared capabilities).
     */
    public static VmInfo find(String spec, Optional<String> connect) {
        Ref ref = parse(spec, connect);
        try (VmBackend b = backend(ref, connect)) {
            List<VmInfo> all = b.list();
            return all.stream().filter(v -> v.id().name().equals(ref.name())).findFirst()
                    // QEMU-direct also takes a pid
                    .or(() -> all.stream().filter(v -> ref.name().equals(v.details().get("pid"))).findFirst())
                    .orElseThrow(() -> ChirpException.notFound("no VM " + ref.name() + " in backend " + b.id()
                            + (all.isEmpty() ? " (it lists none)" : "; it has: " + String.join(", ",
                                    all.stream().map(v -> v.id().name()).limit(20).toList()))));
        }
    }

    /** A listing of all back-ends: the VMs of each, and the back-ends that could not be asked (and why). */
    public record Listing(List<VmInfo> vms, List<String> problems) {}

    /**
     * {@return the VMs of every back-end} A back-end that cannot be reached (no libvirt daemon) is a problem in the
     * listing, not a failure; {@code connect} applies to the back-ends that take a URI.
     */
    public static Listing listAll(Optional<String> connect) {
        List<VmInfo> vms = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        for (VmBackend b : all()) {
            VmBackend c = b;
            try {
                if (connect.isPresent() && b.id().equals(CONNECTED)) c = b.connect(connect.get());
                vms.addAll(c.list());
            } catch (ChirpException e) {
                log.debug("backend {}: {}", b.id(), e.getMessage());
                problems.add(b.id() + ": " + e.getMessage());
            } finally {
                if (c != b) c.close();
            }
        }
        return new Listing(List.copyOf(vms), List.copyOf(problems));
    }

    /** A handle that closes the back-end connection it was opened through. */
    private record Owning(VmHandle h, VmBackend backend) implements VmHandle {
        @Override public VmIdentity identity() { return h.identity(); }
        @Override public java.util.Set<Capability> capabilities() { return h.capabilities(); }
        @Override public Optional<String> whyLacking(Capability c) { return h.whyLacking(c); }
        @Override public io.chirp.core.PhysicalMemory memory() { return h.memory(); }
        @Override public io.chirp.memory.RamLayout layout() { return h.layout(); }
        @Override public String memoryPath() { return h.memoryPath(); }
        @Override public List<io.chirp.core.CpuState> registers() { return h.registers(); }
        @Override public VmState state() { return h.state(); }
        @Override public long whilePaused(Runnable action) { return h.whilePaused(action); }
        @Override public io.chirp.hypervisor.VmAcquisition.Result acquire(java.nio.file.Path out,
                io.chirp.memory.ImageFormat format, io.chirp.hypervisor.VmAcquisition.Mode mode,
                io.chirp.memory.acquire.AcquisitionRequest.Progress progress) {
            return h.acquire(out, format, mode, progress);
        }
        @Override public io.chirp.hypervisor.qemu.QemuMonitor openMonitor() { return h.openMonitor(); }
        @Override public List<Nic> nics() { return h.nics(); }
        @Override public io.chirp.hypervisor.session.GdbLease debugger(String purpose) { return h.debugger(purpose); }
        @Override public Subscription onLifecycle(
                java.util.function.Consumer<VmEvent> listener) { return h.onLifecycle(listener); }
        @Override public java.util.Map<String, String> evidenceIdentity() { return h.evidenceIdentity(); }
        /** {@return the back-end's own handle (e.g. QEMU-direct's, for tests that look at its channels)} */
        VmHandle unwrap() { return h; }
        @Override public void close() {
            try {
                h.close();
            } finally {
                backend.close();
            }
        }
    }

    /** {@return the back-end's own handle under a handle {@link #open} returned} */
    public static VmHandle unwrap(VmHandle h) { return h instanceof Owning o ? o.unwrap() : h; }
}
