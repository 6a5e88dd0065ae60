package io.chirp.lab;

import io.chirp.core.ChirpException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The guest program of {@link Scenario#kernelObjects}: {@code kobjects.c} compiled static by the host's gcc (the
 * guest has only busybox, and a static binary needs no libraries in the initramfs). Built once per JVM.
 */
final class KernelObjectsProgram {
    private KernelObjectsProgram() {}

    private static byte[] built;

    /** {@return the static executable} */
    static synchronized byte[] binary() {
        if (built != null) return built.clone();
        HostCommand.require("gcc", "gcc");
        try {
            Path dir = Files.createTempDirectory("chirp-kobjects");
            try {
                Path src = dir.resolve("kobjects.c"), exe = dir.resolve("chirp-kobjects");
                try (InputStream in = KernelObjectsProgram.class.getResourceAsStream("kobjects.c")) {
                    if (in == null) throw ChirpException.notFound("resource kobjects.c missing from chirp-lab");
                    Files.write(src, in.readAllBytes());
                }
                HostCommand.of(dir, "gcc", "-static", "-O2", "-Wall", "-o", exe.toString(), src.toString()).run();
                built = Files.readAllBytes(exe);
                Files.delete(exe);
                Files.delete(src);
            } finally {
                Files.deleteIfExists(dir);
            }
        } catch (IOException e) {
            throw ChirpException.io("cannot build the lab's kernel-objects program: " + e.getMessage(), e);
        }
        return built.clone();
    }
}
