package io.chirp.detect;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Finds the project's shared reference data (../shared/data from the repository root) by walking up from the
 * working directory, so tests run from the module folder, the repository root or an IDE. Missing data fails the
 * test with a message: these tests are never skipped.
 */
public final class SharedData {
    private SharedData() { }

    /** {@return the shared data folder (the one holding sigma/ and ocsf/)} */
    public static Path root() {
        Path dir = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        for (Path d = dir; d != null; d = d.getParent()) {
            for (Path candidate : new Path[] {d.resolve("shared/data"), d.resolve("data"), d}) {
                if (Files.isDirectory(candidate.resolve("sigma/rules")) && Files.isDirectory(candidate.resolve("ocsf"))) {
                    return candidate;
                }
            }
        }
        throw new AssertionError("shared reference data not found: walked up from " + dir
                + " looking for shared/data/sigma/rules and shared/data/ocsf (see ../shared/data/README.md)");
    }
}
