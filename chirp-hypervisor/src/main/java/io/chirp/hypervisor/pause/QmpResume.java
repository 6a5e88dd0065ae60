package io.chirp.hypervisor.pause;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.chirp.core.ChirpException;
import io.chirp.hypervisor.qemu.QmpClient;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The {@link Guardian}'s resume action for a VM CHIRP reaches over its own QMP socket: if the {@link PauseMarker}
 * is still there and still the dead CHIRP's, connect to QMP (the socket frees when CHIRP dies; QMP serves one
 * client) and run {@link PauseRecovery}. Arguments: the marker file.
 */
public final class QmpResume implements Guardian.ResumeAction {
    private static final long CONNECT_TRIES_MS = 30_000;

    /** Starts a guardian for {@code marker}, which must already be on disk; it logs beside the marker. */
    static Guardian.Handle spawn(PauseMarker marker) {
        Path log = marker.file().resolveSibling(marker.file().getFileName() + ".guardian.log");
        return Guardian.spawn(log, QmpResume.class, List.of(marker.file().toString()));
    }

    public QmpResume() {}

    @Override public void preload(List<String> args) throws Exception {
        new ObjectMapper().readTree("{}");
        PauseMarker.readFile(Path.of(args.getFirst()));
        Class.forName(PauseRecovery.class.getName());
        Class.forName(QmpClient.class.getName());
    }

    @Override public void resume(long chirpPid, List<String> args, PrintStream log) throws Exception {
        Optional<PauseMarker> m = PauseMarker.readFile(Path.of(args.getFirst()));
        if (m.isEmpty() || m.get().chirpPid() != chirpPid) return; // CHIRP finished and cleaned up
        PauseMarker marker = m.get();
        if (ProcessHandle.of(marker.qemuPid()).map(h -> !h.isAlive()).orElse(true)) {
            PauseRecovery.forget(marker).forEach(s -> log.println(Instant.now() + " " + s));
            return;
        }
        log.println(Instant.now() + " " + marker.describe() + " and died; putting the VM back");
        try (QmpClient qmp = connect(marker, log)) {
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
