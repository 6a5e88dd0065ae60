package io.chirp.bench;

import java.nio.file.Files;
import java.nio.file.Path;

/** Finds the shared reference data (SigmaHQ rules) next to the repository. */
final class BenchData {
    private BenchData() {}

    static Path sigmaLinux() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path c = p.resolve("shared/data/sigma/rules/linux");
            if (Files.isDirectory(c)) return c;
            Path d = p.resolve("../shared/data/sigma/rules/linux").normalize();
            if (Files.isDirectory(d)) return d;
        }
        throw new IllegalStateException("shared/data/sigma/rules/linux not found beside the repository");
    }
}
