package io.chirp.core;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class ChirpHomeTest {
    @Test
    void thePropertyWinsThenTheEnvironmentThenTheDefault(@TempDir Path dir) {
        String old = System.getProperty(ChirpHome.PROPERTY);
        try {
            System.setProperty(ChirpHome.PROPERTY, dir.toString());
            assertThat(ChirpHome.root()).isEqualTo(dir.toAbsolutePath());
            assertThat(ChirpHome.resolve("events.db")).isEqualTo(dir.toAbsolutePath().resolve("events.db"));
            System.clearProperty(ChirpHome.PROPERTY);
            String env = System.getenv("CHIRP_HOME");
            Path expected = env != null && !env.isBlank() ? Path.of(env) : Path.of(System.getProperty("user.home"), ".cache", "chirp");
            assertThat(ChirpHome.root()).isEqualTo(expected.toAbsolutePath()).isAbsolute();
        } finally {
            if (old != null) System.setProperty(ChirpHome.PROPERTY, old);
            else System.clearProperty(ChirpHome.PROPERTY);
        }
    }
}
