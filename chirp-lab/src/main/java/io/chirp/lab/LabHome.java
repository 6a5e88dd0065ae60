package io.chirp.lab;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the lab keeps its files: built guest images (a cache, rebuilt when inputs change) and the
 * state of running guests. {@code CHIRP_HOME} overrides the default {@code ~/.cache/chirp}.
 */
public record LabHome(Path root) {

    public static LabHome fromEnvironment() {
        return new LabHome(io.chirp.core.ChirpHome.root());
    }

    /** {@return the folder of cached guest builds} */
    public Path images() { return root.resolve("lab"); }

    /** {@return the folder holding one sub-folder per running guest} */
    public Path vms() { return root.resolve("vms"); }

    /** {@return where guest RAM files live: shared memory, so reading them never touches a disk} */
    public Path ramDir() {
        Path shm = Path.of("/dev/shm");
        return Files.isDirectory(shm) ? shm : root.resolve("ram");
    }
}
