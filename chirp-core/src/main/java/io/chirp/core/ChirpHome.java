package io.chirp.core;

import java.nio.file.Path;

/**
 * Where CHIRP keeps its own files: the lab cache, run-time state, the event store and custody log. The one place
 * that reads {@code CHIRP_HOME}, so every component agrees on it.
 *
 * <p>Order: the system property {@code chirp.home} (unit tests point it at their build folder, so they never touch
 * the operator's store), then the environment variable {@code CHIRP_HOME}, then {@code ~/.cache/chirp}.
 */
public final class ChirpHome {
    /** The system property that overrides {@code CHIRP_HOME}. */
    public static final String PROPERTY = "chirp.home";

    private ChirpHome() {}

    /** {@return CHIRP's home folder, absolute} */
    public static Path root() {
        String prop = System.getProperty(PROPERTY);
        if (prop != null && !prop.isBlank()) return Path.of(prop).toAbsolutePath();
        String env = System.getenv("CHIRP_HOME");
        Path p = env != null && !env.isBlank() ? Path.of(env) : Path.of(System.getProperty("user.home"), ".cache", "chirp");
        return p.toAbsolutePath();
    }

    /** {@return {@code name} under the home folder} */
    public static Path resolve(String name) { return root().resolve(name); }
}
