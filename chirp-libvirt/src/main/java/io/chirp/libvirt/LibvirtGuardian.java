package io.chirp.libvirt;

import io.chirp.core.OwnerOnly;
import io.chirp.hypervisor.pause.PauseMarker;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The libvirt twin of chirp-hypervisor's pause {@code Guardian}: a small process that outlives a CHIRP killed with
 * SIGKILL while it holds a libvirt domain paused, and resumes it through libvirt (the shutdown hook covers Ctrl-C and
 * SIGTERM, not SIGKILL). It runs in its own session (setsid), and learns of CHIRP's death from its stdin, a pipe only
 * CHIRP holds:
 *
 * <pre>
 *   CHIRP: spawn guardian --> virDomainSuspend ... copy ... virDomainResume, writes "resumed", closes --> guardian exits
 *   CHIRP killed -9 --> kernel closes the pipe, nothing written --> guardian: domain still paused --> virDomainResume
 * </pre>
 *
 * It resumes only a domain that is still paused, and only once CHIRP is gone: a CHIRP that closed the pipe but still
 * runs stays in charge.
 */
public final class LibvirtGuardian {
    /** What CHIRP writes when it resumed the domain itself. */
    private static final String RESUMED = "resumed";

    private LibvirtGuardian() {}

    /** The running guardian, as CHIRP sees it. */
    public record Handle(Process process, Path log) {
        /** Tells the guardian CHIRP resumed the domain itself, and lets it exit. */
        public void dismiss() {
            try (OutputStream o = process.getOutputStream()) {
                o.write(RESUMED.getBytes(StandardCharsets.US_ASCII));
            } catch (IOException ignored) {
                // a guardian that is gone already has nothing to do
            }
            try {
                if (!process.waitFor(3, TimeUnit.SECONDS)) process.destroy();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            try {
                if (Files.size(log) == 0) Files.deleteIfExists(log);
            } catch (IOException ignored) {
                // an empty log left behind is harmless
            }
        }
    }

    /** Starts a guardian for domain {@code name} (UUID {@code uuid}) of the daemon at {@code uri}, before the pause. */
    static Handle spawn(String uri, String name, String uuid) {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Path dir = PauseMarker.stateDir();
        OwnerOnly.directories(dir);
        Path log = dir.resolve("libvirt-guardian-" + name.replaceAll("[^A-Za-z0-9._-]", "_") + ".log");
        try {
            if (!Files.exists(log)) OwnerOnly.createFile(log);
            Process p = new ProcessBuilder("setsid", java.toString(), "-Xmx32m", "-XX:+UseSerialGC",
                    "-XX:TieredStopAtLevel=1", "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                    LibvirtGuardian.class.getName(), uri, name, uuid == null ? "" : uuid,
                    Long.toString(ProcessHandle.current().pid()))
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .redirectErrorStream(true)
                    .start();
            return new Handle(p, log);
        } catch (IOException e) {
            throw io.chirp.core.ChirpException.unavailable("cannot start a libvirt guardian process: " + e.getMessage());
        }
    }

    /** {@code LibvirtGuardian URI NAME UUID CHIRP_PID} */
    public static void main(String[] args) throws Exception {
        String uri = args[0], name = args[1], uuid = args[2];
        long parent = Long.parseLong(args[3]);
        PrintStream log = System.out;
        // load what the resume needs now: by the time CHIRP dies its classpath may be gone (a test's jar)
        Class.forName(LibvirtConnection.class.getName());
        Class.forName(LibvirtDomain.class.getName());
        Class.forName(DomainState.class.getName());
        StringBuilder said = new StringBuilder();
        InputStream in = System.in;
        byte[] buf = new byte[64];
        for (int n; (n = in.read(buf)) >= 0; ) if (said.length() < 64) said.append(new String(buf, 0, n, StandardCharsets.US_ASCII));
        if (said.toString().contains(RESUMED)) return; // CHIRP resumed it itself
        Optional<ProcessHandle> p = ProcessHandle.of(parent);
        if (p.isPresent()) {
            try {
                p.get().onExit().get(30, TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                log.println(Instant.now() + " CHIRP pid " + parent + " closed the pipe but still runs; leaving it in charge");
                return;
            }
        }
        try (LibvirtConnection c = LibvirtConnection.open(uri); LibvirtDomain d = c.domain(name)) {
            String now = d.info().uuid();
            if (!uuid.isEmpty() && now != null && !now.equals(uuid)) {
                log.println(Instant.now() + " domain " + name + " is another domain now (UUID " + now + "); left alone");
                return;
            }
            if (d.state() == DomainState.PAUSED) {
                log.println(Instant.now() + " CHIRP pid " + parent + " died holding domain " + name + " paused; resuming it");
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
