package io.chirp.core;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The commit in the build-info resource is the commit of the checkout it was built from, as git itself says. */
class ChirpVersionIT {
    @Test
    void commitIsTheCheckoutsHead() throws Exception {
        Process p = new ProcessBuilder("git", "rev-parse", "--short=12", "HEAD").directory(Path.of("").toAbsolutePath().toFile())
                .redirectErrorStream(true).start();
        String head = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("git rev-parse: " + head).isZero();
        assertThat(ChirpVersion.current().commit()).isEqualTo(head);
        assertThat(ChirpVersion.current().toString()).startsWith(ChirpVersion.current().version() + "+" + head);
    }
}
