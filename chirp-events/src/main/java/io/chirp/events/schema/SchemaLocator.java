package io.chirp.events.schema;

import io.chirp.core.ChirpException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Finds the OCSF schema source folder: {@code CHIRP_OCSF_SCHEMA} if set, else {@code shared/data/ocsf} in the
 * start folder or one of its ancestors (the project keeps its reference data next to the working tree).
 */
public final class SchemaLocator {
    /** Environment variable naming the schema source folder explicitly. */
    public static final String ENV = "CHIRP_OCSF_SCHEMA";
    private static final Path RELATIVE = Path.of("shared", "data", "ocsf");

    private SchemaLocator() {}

    /** {@return the schema folder found from {@code start}, if any} */
    public static Optional<Path> find(Path start) {
        String env = System.getenv(ENV);
        if (env != null && !env.isBlank()) {
            Path p = Path.of(env);
            return isSchema(p) ? Optional.of(p) : Optional.empty();
        }
        for (Path dir = start.toAbsolutePath().normalize(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve(RELATIVE);
            if (isSchema(candidate)) return Optional.of(candidate);
        }
        return Optional.empty();
    }

    /** {@return the schema folder found from {@code start}; fails with what to do when it is missing} */
    public static Path require(Path start) {
        return find(start).orElseThrow(() -> ChirpException.notFound(
                "OCSF schema source not found: looked for shared/data/ocsf (with dictionary.json and events/) in "
                        + start.toAbsolutePath() + " and its parents"
                        + (System.getenv(ENV) != null ? " and in " + ENV + "=" + System.getenv(ENV) : "")
                        + "; check out the shared reference data or set " + ENV + " to an ocsf-schema folder"));
    }

    private static boolean isSchema(Path p) {
        return Files.isRegularFile(p.resolve("dictionary.json")) && Files.isDirectory(p.resolve("events"))
                && Files.isDirectory(p.resolve("objects"));
    }
}
