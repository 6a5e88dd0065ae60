package io.chirp.cli;

import io.chirp.core.ChirpVersion;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * chirp's logging, in a JVM of its own each time as {@code chirp} runs (slf4j-simple reads its level once per
 * JVM): stderr has no INFO lines unless {@code --verbose} asks for them.
 */
class LoggingTest {
    record Result(int code, String out, String err) {}

    static Result chirp(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        var out = java.util.concurrent.CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
        String err = read(p.getErrorStream());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Result(p.exitValue(), out.get(), err);
    }

    static String read(java.io.InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void quietByDefault() throws Exception {
        Result r = chirp("help", "linux");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).startsWith("Usage: chirp linux");
        assertThat(r.err()).isEmpty();
    }

    @Test
    void verboseAnywhereOnTheLineTurnsInfoOn() throws Exception {
        for (String[] args : List.of(new String[] {"-v", "help", "linux"}, new String[] {"linux", "--verbose", "--help"})) {
            Result r = chirp(args);
            assertThat(r.code()).as(r.err()).isZero();
            assertThat(r.err()).contains("[INFO] io.chirp.cli.Main - verbose: " + ChirpVersion.current().describe());
        }
    }

    @Test
    void warningsStillShow() {
        // In this JVM the defaults are in force: a library's INFO is off, its WARN on.
        var log = org.slf4j.LoggerFactory.getLogger("io.chirp.lab.Lab");
        assertThat(log.isInfoEnabled()).isFalse();
        assertThat(log.isWarnEnabled()).isTrue();
    }
}
