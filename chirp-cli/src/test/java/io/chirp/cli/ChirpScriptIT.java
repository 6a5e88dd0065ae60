package io.chirp.cli;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@code chirp} launcher on a copy of this repository (outside git, so the copy's build also shows that the
 * version says "unknown" there): it builds once, not again while nothing changed (build output in target/ is not a
 * change), and two calls after a change build once between them, the second waiting for the first.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ChirpScriptIT {
    @TempDir static Path dir;
    static Path copy;

    record Run(int code, String out, String err) {}

    @BeforeAll
    static void copyTheRepository() throws Exception {
        Path root = Path.of("").toAbsolutePath().getParent();
        assertThat(root.resolve("chirp")).as("the repository root above chirp-cli").isExecutable();
        Process git = new ProcessBuilder("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard")
                .directory(root.toFile()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String list = new String(git.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(git.waitFor()).as("git ls-files").isZero();
        copy = dir.resolve("chirp-copy");
        for (String f : list.split("\0")) {
            if (f.isEmpty() || !Files.isRegularFile(root.resolve(f))) continue; // a file deleted but not committed
            Path to = copy.resolve(f);
            Files.createDirectories(to.getParent());
            Files.copy(root.resolve(f), to, StandardCopyOption.COPY_ATTRIBUTES);
        }
    }

    static ProcessBuilder chirp(String... args) {
        List<String> cmd = new ArrayList<>(List.of("./chirp"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(copy.toFile());
        Map<String, String> env = pb.environment();
        String repo = System.getProperty("chirp.it.localRepository");
        String tail = System.getProperty("chirp.it.localRepositoryTail", "");
        if (repo != null && !repo.contains("${")) {
            String chain = repo + (tail.isBlank() || tail.contains("${") ? "" : "," + tail);
            env.put("MAVEN_ARGS", "-Dmaven.repo.local=" + dir.resolve("m2") + " -Dmaven.repo.local.tail=" + chain);
        }
        return pb;
    }

    static Run finish(Process p) {
        try {
            CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p, false));
            CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p, true));
            if (!p.waitFor(20, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new AssertionError("./chirp did not finish in 20 minutes");
            }
            return new Run(p.exitValue(), out.get(), err.get());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    static String read(Process p, boolean err) {
        try {
            return new String((err ? p.getErrorStream() : p.getInputStream()).readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static Run run(String... args) throws IOException { return finish(chirp(args).start()); }

    static void assertVersion(Run r) {
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).startsWith("CHIRP ").contains("(commit unknown, built ");
    }

    @Test @Order(1)
    void buildsOnceThenNotAgain() throws Exception {
        Run first = run("--version");
        assertVersion(first);
        assertThat(first.err()).contains("chirp: building");
        Run second = run("--version");
        assertVersion(second);
        assertThat(second.err()).doesNotContain("building");
        // What ./chirp test leaves behind (generated sources, classes under target/) is output, not a change.
        Path generated = copy.resolve("chirp-cli/target/generated-test-sources/test-annotations/Gen.java");
        Files.createDirectories(generated.getParent());
        Files.writeString(generated, "class Gen {}");
        Files.setLastModifiedTime(copy.resolve("chirp-core/target/classes/io/chirp/core/ChirpVersion.class"),
                FileTime.from(Instant.now()));
        Run third = run("--version");
        assertVersion(third);
        assertThat(third.err()).doesNotContain("building");
    }

    @Test @Order(2)
    void concurrentCallsAfterAChangeBuildOnce() throws Exception {
        Files.setLastModifiedTime(copy.resolve("chirp-cli/src/main/java/io/chirp/cli/package-info.java"),
                FileTime.from(Instant.now()));
        Process a = chirp("--version").start();
        Process b = chirp("--version").start();
        List<Run> runs = List.of(finish(a), finish(b));
        for (Run r : runs) assertVersion(r);
        assertThat(runs.stream().filter(r -> r.err().contains("chirp: building")).count()).as(runs.toString()).isEqualTo(1);
        assertThat(runs.stream().filter(r -> r.err().contains("waiting for another chirp call")).count())
                .as(runs.toString()).isEqualTo(1);
        Run after = run("--version");
        assertVersion(after);
        assertThat(after.err()).doesNotContain("building");
    }

    /**
     * The first real command after a build trains the JDK's AOT cache; later calls use it; an unusable cache is
     * ignored. In every case the command's output and exit code are the same and no JVM message reaches the user.
     */
    @Test @Order(3)
    void aotCacheIsTrainedUsedAndAnUnusableOneIgnoredSilently() throws Exception {
        Path target = copy.resolve("chirp-cli/target");
        String missing = dir.resolve("no-such.elf").toString();
        Run training = run("linux", "pslist", "--image", missing);
        try (var files = Files.list(target)) {
            assertThat(files.filter(f -> f.getFileName().toString().endsWith(".aot")).toList())
                    .as("one AOT cache after the training run").hasSize(1);
        }
        assertThat(training.code()).isEqualTo(1);
        assertThat(training.out()).isEmpty();
        assertThat(training.err()).isEqualTo("chirp: no such image file: " + missing + "\n");
        assertThat(run("linux", "pslist", "--image", missing)).isEqualTo(training);
        Path cache;
        try (var files = Files.list(target)) {
            cache = files.filter(f -> f.getFileName().toString().endsWith(".aot")).findFirst().orElseThrow();
        }
        Files.write(cache, new byte[4096]); // not a cache any more: the JVM must warn silently and start without it
        assertThat(run("linux", "pslist", "--image", missing)).isEqualTo(training);
        assertThat(run("--version").err()).isEmpty();
    }
}
