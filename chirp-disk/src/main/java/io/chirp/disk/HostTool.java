package io.chirp.disk;

import io.chirp.core.ChirpException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a host tool (qemu-img for fleece overlays and qcow2 output; the Sleuth Kit in oracle tests) with a
 * deadline, failing with its stderr. Arguments are passed as a list, never through a shell.
 */
public final class HostTool {
    private HostTool() {}

    /** {@return the standard output of {@code argv}, as bytes} */
    public static byte[] run(Duration timeout, List<String> argv) {
        Path err = null;
        Process p = null;
        try {
            err = Files.createTempFile("chirp-tool", ".err");
            p = new ProcessBuilder(argv).redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
            Process proc = p;
            // drain stdout on a virtual thread so the deadline holds even when the tool writes nothing
            var out = new java.util.concurrent.CompletableFuture<byte[]>();
            Thread.ofVirtual().start(() -> {
                try (InputStream in = proc.getInputStream()) {
                    out.complete(in.readAllBytes());
                } catch (IOException e) {
                    out.completeExceptionally(e);
                }
            });
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw ChirpException.io("timed out after " + timeout + ": " + String.join(" ", argv), null);
            }
            byte[] stdout = out.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (p.exitValue() != 0) {
                String msg = Files.readString(err, StandardCharsets.UTF_8).strip();
                throw ChirpException.io(argv.getFirst() + " failed (exit " + p.exitValue() + "): "
                        + String.join(" ", argv) + (msg.isEmpty() ? "" : "\n" + msg), null);
            }
            return stdout;
        } catch (IOException e) {
            String hint = e.getMessage() != null && e.getMessage().contains("error=2") ? " (is it installed?)" : "";
            throw ChirpException.io("cannot run " + argv.getFirst() + hint + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ChirpException(ChirpException.Kind.INTERRUPTED, "interrupted while running " + argv.getFirst());
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw ChirpException.io("cannot read the output of " + argv.getFirst() + ": " + e.getMessage(), e);
        } finally {
            if (p != null && p.isAlive()) p.destroyForcibly();
            if (err != null) {
                try {
                    Files.deleteIfExists(err);
                } catch (IOException ignored) {
                    // a temp file left behind is harmless
                }
            }
        }
    }

    /** {@return the standard output of {@code argv} as UTF-8 text} */
    public static String text(Duration timeout, String... argv) {
        return new String(run(timeout, List.of(argv)), StandardCharsets.UTF_8);
    }
}
