package io.chirp.libvirt;

import io.chirp.hypervisor.pause.Guardian;
import io.chirp.hypervisor.pause.PauseMarker;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/**
 * The libvirt {@link Guardian.ResumeAction}: once a CHIRP holding a libvirt domain paused died without resuming it
 * (SIGKILL; the shutdown hook covers Ctrl-C and SIGTERM), the shared {@link Guardian} process runs this, which
 * resumes the domain through libvirt, and only a domain that is still paused and still the same (UUID).
 * Arguments: URI, NAME, UUID (may be empty).
 */
public final class LibvirtGuardian implements Guardian.ResumeAction {
    public LibvirtGuardian() {}

    /** Starts a guardian for domain {@code name} (UUID {@code uuid}) of the daemon at {@code uri}, before the pause. */
    static Guardian.Handle spawn(String uri, String name, String uuid) {
        Path log = PauseMarker.stateDir().resolve("libvirt-guardian-" + name.replaceAll("[^A-Za-z0-9._-]", "_") + ".log");
        return Guardian.spawn(log, LibvirtGuardian.class, List.of(uri, name, uuid == null ? "" : uuid));
    }

    @Override public void preload(List<String> args) throws Exception {
        Class.forName(LibvirtConnection.class.getName());
        Class.forName(LibvirtDomain.class.getName());
        Class.forName(DomainState.class.getName());
    }

    @Override public void resume(long chirpPid, List<String> args, PrintStream log) {
        String uri = args.get(0), name = args.get(1), uuid = args.get(2);
        try (LibvirtConnection c = LibvirtConnection.open(uri); LibvirtDomain d = c.domain(name)) {
            String now = d.info().uuid();
            if (!uuid.isEmpty() && now != null && !now.equals(uuid)) {
                log.println(Instant.now() + " domain " + name + " is another domain now (UUID " + now + "); left alone");
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
