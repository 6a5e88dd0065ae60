package io.chirp.hypervisor.pause;

import io.chirp.core.OwnerOnly;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chirp.core.ChirpException;
import io.chirp.evidence.EvidenceWriter;
import io.chirp.hypervisor.qemu.QmpClient;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A small process that outlives a CHIRP killed with SIGKILL and puts its VM back. Like the lab's reaper it runs
 * in its own session (setsid), so a Ctrl-C to CHIRP's terminal does not reach it. It learns of CHIRP's death from
 * its stdin, a pipe only CHIRP holds: end-of-file comes when CHIRP closes it on success, or when the kernel
 * closes it because CHIRP died, however it died. Then, if the marker is still there and still CHIRP's, it
 * connects to QMP (the socket frees when CHIRP dies; QMP serves one client) and runs {@link PauseRecovery}.
 *
 * <pre>
 *   CHIRP: marker written --spawn--> guardian (blocks reading stdin)
 *          QMP stop ... copy ... cont, marker removed, stdin closed --> guardian: no marker, exits
 *   CHIRP killed -9 --> kernel closes the pipe --> guardian: marker says "paused by pid N" --> QMP cont, exits
 * </pre>
 */
public final class Guardian {
    private static final long CONNECT_TRIES_MS = 30_000;

    /** The running guardian, as seen from CHIRP, and its log (kept only if it said something). */
    public record Handle(Process process, Path log) {
        /** Tells the guardian all is well (marker already removed) and lets it exit. */
        public void dismiss() {
            try {
                process.getOutputStream().close();
            } catch (IOException ignored) {
                // it exits on EOF either way
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

    private Guardian() {}

    /** Starts a guardian for {@code marker}, which must already be on disk. */
    static Handle spawn(PauseMarker marker) {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Path log = marker.file().resolveSibling(marker.file().getFileName() + ".guardian.log");
        try {
            if (!Files.exists(log)) OwnerOnly.createFile(log);
            Process p = new ProcessBuilder("setsid", java.toString(), "-Xmx32m", "-XX:+UseSerialGC",
                    "-XX:TieredStopAtLevel=1", "-Xshare:auto", "-cp", System.getProperty("java.class.path"),
                    Guardian.class.getName(), marker.file().toString(), Long.toString(marker.chirpPid()))
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .redirectErrorStream(true)
                    .start();
            return new Handle(p, log);
        } catch (IOException e) {
            throw ChirpException.unavailable("cannot start a guardian process: " + e.getMessage());
        }
    }

    /** {@code Guardian MARKER_FILE CHIRP_PID} */
    public static void main(String[] args) throws Exception {
        Path markerFile = Path.of(args[0]);
        long parent = Long.parseLong(args[1]);
        PrintStream log = System.out;
        // Load everything recovery needs now: by the time CHIRP dies its classpath may be gone (a test's jar).
        new ObjectMapper().readTree("{}");
        PauseMarker.readFile(markerFile);
        Class.forName(PauseRecovery.class.getName());
        Class.forName(QmpClient.class.getName());
        while (System.in.read(new byte[64]) >= 0) {
            // nothing is ever sent: only end-of-file matters
        }
        Optional<PauseMarker> m = PauseMarker.readFile(markerFile);
        if (m.isEmpty() || m.get().chirpPid() != parent) return; // CHIRP finished and cleaned up
        // EOF with the marker present: CHIRP died, or is exiting and its shutdown hook still works. Let it finish.
        Optional<ProcessHandle> p = ProcessHandle.of(parent);
        if (p.isPresent()) {
            try {
                p.get().onExit().get(30, TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                log.println(Instant.now() + " CHIRP pid " + parent + " closed the pipe but still runs; leaving it in charge");
                return;
            }
        }
        m = PauseMarker.readFile(markerFile);
        if (m.isEmpty() || m.get().chirpPid() != parent) return;
        PauseMarker marker = m.get();
        if (ProcessHandle.of(marker.qemuPid()).map(h -> !h.isAlive()).orElse(true)) {
            PauseRecovery.forget(marker).forEach(s -> log.println(Instant.now() + " " + s));
            return;
        }
        log.println(Instant.now() + " " + marker.describe() + " and died; putting the VM back");
        QmpClient qmp = connect(marker, log);
        try (qmp) {
            List<String> done = PauseRecovery.recover(qmp, marker);
            for (String s : done) log.println(Instant.now() + " " + s);
            if (done.isEmpty()) log.println(Instant.now() + " nothing needed doing");
        }
    }

    private static QmpClient connect(PauseMarker marker, PrintStream log) throws InterruptedException {
        long deadline = System.currentTimeMillis() + CONNECT_TRIES_MS;
        while (true) {
            try {
                return QmpClient.connect(marker.qmpSocket());
            } catch (ChirpException e) {
                if (System.currentTimeMillis() > deadline) {
                    log.println(Instant.now() + " giving up: " + e.getMessage() + "; run: chirp vm resume " + marker.vm());
                    throw e;
                }
                Thread.sleep(100);
            }
        }
    }
}
