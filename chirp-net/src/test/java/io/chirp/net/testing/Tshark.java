package io.chirp.net.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs Wireshark's command-line tools, the oracle of this module's tests. Missing tools fail the test. */
public final class Tshark {
    private Tshark() {}

    /** {@return stdout of {@code tshark -n -r file args...}} */
    public static String read(Path file, String... args) {
        List<String> cmd = new ArrayList<>(List.of("tshark", "-n", "-r", file.toString()));
        cmd.addAll(List.of(args));
        return run(cmd);
    }

    /** {@return stdout of a Wireshark tool} */
    public static String run(List<String> cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("timeout: " + cmd);
            }
            if (p.exitValue() != 0) throw new AssertionError(cmd + " exited " + p.exitValue() + ": " + new String(out, StandardCharsets.UTF_8));
            return new String(out, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new AssertionError("cannot run " + cmd.getFirst() + " (apt-get install tshark): " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
