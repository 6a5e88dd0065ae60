package io.chirp.hypervisor.pause;

import io.chirp.core.ChirpException;
import io.chirp.core.OwnerOnly;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A small process that outlives a CHIRP killed with SIGKILL and puts its VM back, for every back-end: one way to
 * start it, log it and learn of CHIRP's death, and a small back-end specific {@link ResumeAction} for the putting
 * back (QEMU's over its QMP socket, {@link QmpResume}; libvirt's through libvirt's API, in chirp-libvirt).
 *
 * <p>Like the lab's reaper it runs in its own session (setsid), so a Ctrl-C to CHIRP's terminal does not reach it.
 * It learns of CHIRP's death from its stdin, a pipe only CHIRP holds: CHIRP writes {@value #DISMISSED} and closes
 * it once it has put the VM back itself; end-of-file without that word comes when the kernel closes the pipe
 * because CHIRP died, however it died. The guardian then gives a CHIRP that still runs (its shutdown hook at work)
 * 30 s to finish, and only then runs the action, which checks for itself that the VM still needs putting back.
 *
 * <pre>
 *   CHIRP: spawn guardian (blocks reading stdin) --> change the VM ... put it back --> "dismissed", close --> exits
 *   CHIRP killed -9 --> kernel closes the pipe, nothing said --> CHIRP gone --> action.resume(...) --> exits
 * </pre>
 */
public final class Guardian {
    /** What CHIRP writes on the pipe when it put the VM back itself. */
    static final String DISMISSED = "dismissed";
    private static final long PARENT_GRACE_S = 30;

    /**
     * A back-end's way to put its VM back once CHIRP died without doing so. It runs in the guardian process with
     * the arguments CHIRP gave {@link #spawn}; implementations are public with a public no-argument constructor.
     */
    public interface ResumeAction {
        /** Loads now what {@link #resume} needs: by the time CHIRP dies its classpath may be gone (a test's jar). */
        default void preload(List<String> args) throws Exception { }

        /** Puts the VM back if that is still needed (and only then), saying what it did on {@code log}. */
        void resume(long chirpPid, List<String> args, PrintStream log) throws Exception;
    }

    /** The running guardian, as seen from CHIRP, and its log (kept only if it said something). */
    public record Handle(Process process, Path log) {
        /** Tells the guardian CHIRP put the VM back itself, and lets it exit. */
        public void dismiss() {
            try (OutputStream o = process.getOutputStream()) {
                o.write(DISMISSED.getBytes(StandardCharsets.US_ASCII));
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

    private Guardian() {}

    /**
     * Starts a guardian that runs {@code action} with {@code args} if this process dies without dismissing it.
     *
     * @param log where the guardian writes what it did (owner-only; removed on dismissal if empty)
     */
    public static Handle spawn(Path log, Class<? extends ResumeAction> action, List<String> args) {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        try {
            OwnerOnly.directories(log.getParent());
            if (!Files.exists(log)) OwnerOnly.createFile(log);
            List<String> cmd = new ArrayList<>(List.of("setsid", java.toString(), "-Xmx32m", "-XX:+UseSerialGC",
                    "-XX:TieredStopAtLevel=1", "-Xshare:auto", "--enable-native-access=ALL-UNNAMED",
                    "-cp", System.getProperty("java.class.path"), Guardian.class.getName(),
                    Long.toString(ProcessHandle.current().pid()), action.getName()));
            cmd.addAll(args);
            Process p = new ProcessBuilder(cmd)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .redirectErrorStream(true)
                    .start();
            return new Handle(p, log);
        } catch (IOException e) {
            throw ChirpException.unavailable("cannot start a guardian process: " + e.getMessage());
        }
    }

    /** {@code Guardian CHIRP_PID ACTION_CLASS ARG...} */
    public static void main(String[] args) throws Exception {
        long parent = Long.parseLong(args[0]);
        ResumeAction action = Class.forName(args[1]).asSubclass(ResumeAction.class).getConstructor().newInstance();
        List<String> rest = List.of(args).subList(2, args.length);
        PrintStream log = System.out;
        action.preload(rest);
        StringBuilder said = new StringBuilder();
        InputStream in = System.in;
        byte[] buf = new byte[64];
        for (int n; (n = in.read(buf)) >= 0; ) {
            if (said.length() < 64) said.append(new String(buf, 0, n, StandardCharsets.US_ASCII));
        }
        if (said.toString().contains(DISMISSED)) return; // CHIRP put the VM back itself
        // EOF unannounced: CHIRP died, or is exiting and its shutdown hook still works. Let it finish.
        Optional<ProcessHandle> p = ProcessHandle.of(parent);
        if (p.isPresent()) {
            try {
                p.get().onExit().get(PARENT_GRACE_S, TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                log.println(Instant.now() + " CHIRP pid " + parent + " closed the pipe but still runs; leaving it in charge");
                return;
            }
        }
        action.resume(parent, rest, log);
    }
}
