package io.chirp.lab;

import io.chirp.core.ChirpException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a host tool (apt-get, dpkg-deb, depmod, mkfs.ext4, qemu-img) and fails with its output if it fails. */
record HostCommand(List<String> argv, Path workDir) {

    static HostCommand of(Path workDir, String... argv) { return new HostCommand(List.of(argv), workDir); }

    /** Runs the command to completion and returns its standard output. */
    String run() {
        try {
            Path log = Files.createTempFile("chirp-cmd", ".log");
            try {
                Process p = new ProcessBuilder(argv).directory(workDir.toFile())
                        .redirectErrorStream(false)
                        .redirectError(log.toFile())
                        .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                        .start();
                byte[] out = p.getInputStream().readAllBytes();
                if (!p.waitFor(10, TimeUnit.MINUTES)) {
                    p.destroyForcibly();
                    throw new ChirpException(ChirpException.Kind.IO, "timed out: " + String.join(" ", argv));
                }
                if (p.exitValue() != 0) {
                    throw new ChirpException(ChirpException.Kind.IO, "command failed (exit " + p.exitValue() + "): "
                            + String.join(" ", argv) + "\n" + Files.readString(log, StandardCharsets.UTF_8).strip());
                }
                return new String(out, StandardCharsets.UTF_8);
            } finally {
                Files.deleteIfExists(log);
            }
        } catch (IOException e) {
            throw ChirpException.io("cannot run " + argv.getFirst() + ": " + e.getMessage()
                    + " (is it installed? see README: ./chirp setup)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ChirpException(ChirpException.Kind.INTERRUPTED, "interrupted: " + String.join(" ", argv));
        }
    }

    /** {@return the path of an executable found on PATH (or in sbin folders), or null} */
    static Path which(String tool) {
        String path = System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/sbin:/usr/bin:/bin";
        for (String dir : path.split(":")) {
            if (dir.isEmpty()) continue;
            Path p = Path.of(dir, tool);
            if (Files.isExecutable(p)) return p;
        }
        return null;
    }

    /** Fails with one clear message naming every missing tool and the package that provides it. */
    static void require(String... toolAndPackage) {
        StringBuilder missing = new StringBuilder();
        StringBuilder pkgs = new StringBuilder();
        for (int i = 0; i < toolAndPackage.length; i += 2) {
            if (which(toolAndPackage[i]) == null) {
                missing.append(' ').append(toolAndPackage[i]);
                pkgs.append(' ').append(toolAndPackage[i + 1]);
            }
        }
        if (!missing.isEmpty()) {
            throw ChirpException.unavailable("missing host tools:" + missing
                    + "; install them with: apt-get install" + pkgs + " (or run ./chirp setup as root)");
        }
    }
}
