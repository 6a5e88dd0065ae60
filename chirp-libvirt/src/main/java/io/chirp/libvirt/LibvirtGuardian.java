package io.chirp.libvirt;

import io.chirp.hypervisor.pause.Guardian;
import io.chirp.hypervisor.pause.PauseMarker;
import io.chirp.hypervisor.pause.PauseRecovery;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The libvirt {@link Guardian.ResumeAction}: once a CHIRP holding a libvirt domain paused died without resuming it
 * (SIGKILL; the shutdown hook covers Ctrl-C and SIGTERM), the shared {@link Guardian} process runs this, which
 * resumes the domain through libvirt, and only a domain that is still paused and still the same (UUID).
 * Arguments: URI, NAME, UUID (may be empty). With a fourth, a {@link PauseMarker} file (a migration capture
 * through libvirt's monitor passthrough): if the marker is still the dead CHIRP's, {@link PauseRecovery} runs over
 * the same passthrough (migration cancelled, settings put back, guest resumed if it ran), as QEMU-direct's
 * guardian does over its QMP socket.
 */
public final class LibvirtGuardian implements Guardian.ResumeAction {
    public LibvirtGuardian() {}

    /** Starts a guardian for domain {@code name} (UUID {@code uuid}) of the daemon at {@code uri}, before the pause. */
    static Guardian.Handle spawn(String uri, String name, String uuid) {
        Path log = PauseMarker.stateDir().resolve("libvirt-guardian-" + name.replaceAll("[^A-Za-z0-9._-]", "_") + ".log");
        return Guardian.spawn(log, LibvirtGuardian.class, List.of(uri, name, uuid == null ? "" : uuid));
    }

    /** Starts a guardian for a migration capture's {@code marker} (already on disk) of domain {@code name}. */
    static Guardian.Handle spawnForMarker(String uri, String name, String uuid, PauseMarker marker) {
        Path log = marker.file().resolveSibling(marker.file().getFileName() + ".guardian.log");
        return Guardian.spawn(log, LibvirtGuardian.class, List.of(uri, name, uuid == null ? "" : uuid, marker.vm()));
    }

    @Override public void preload(List<String> args) throws Exception {
        new com.fasterxml.jackson.databind.ObjectMapper().readTree("{}");
        if (args.size() > 3) PauseMarker.read(args.get(3));
        Class.forName(PauseRecovery.class.getName());
        Class.forName(LibvirtMonitor.class.getName());
        Class.forName(LibvirtConnection.class.getName());
        Class.forName(LibvirtDomain.class.getName());
        Class.forName(DomainState.class.getName());
    }

    @Override public void resume(long chirpPid, List<String> args, PrintStream log) {
        String uri = args.get(0), name = args.get(1), uuid = args.get(2);
        PauseMarker marker = null;
        if (args.size() > 3) {
            Optional<PauseMarker> m = PauseMarker.read(args.get(3));
            if (m.isEmpty() || m.get().chirpPid() != chirpPid) return; // CHIRP finished and cleaned up
            marker = m.get();
        }
        try (LibvirtConnection c = LibvirtConnection.open(uri); LibvirtDomain d = c.domain(name)) {
            String now = d.info().uuid();
            if (!uuid.isEmpty() && now != null && !now.equals(uuid)) {
                log.println(Instant.now() + " domain " + name + " is another domain now (UUID " + now + "); left alone");
                if (marker != null) PauseRecovery.forget(marker).forEach(x -> log.println(Instant.now() + " " + x));
                return;
            }
            if (marker != null) {
                log.println(Instant.now() + " " + marker.describe() + " and died; putting the domain back");
                List<String> done = PauseRecovery.recover(new LibvirtMonitor(d, uri, name), marker);
                for (String x : done) log.println(Instant.now() + " " + x);
                if (done.isEmpty()) log.println(Instant.now() + " nothing needed doing");
                return;
            }
            if (d.state() == DomainState.PAUSED) {
                log.println(Instant.now() + " CHIRP pid " + chirpPid + " died holding domain " + name + " paused; resuming it");
                d.resume();
                log.println(Instant.now() + " domain " + name + " resumed: " + d.state());
            } else {
                log.println(Instant.now() + " domain " + name + " is " + d.state() + ": nothing to do");
            }
        } catch (RuntimeException e) {
            log.println(Instant.now() + " could not resume domain " + name + " at " + uri + ": " + e.getMessage()
                    + "; run: virsh -c " + uri + " resume " + name);
            throw e;
        }
    }
}
