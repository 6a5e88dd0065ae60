package io.chirp.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One {@code chirp} command as its own JVM for the fleet's process tests (server, sensors), its output appended to
 * {@code NAME.log}, restartable with the same arguments; and the server's API as those tests reach it.
 */
final class ChirpProcess {
    static final ObjectMapper JSON = new ObjectMapper();

    final String name;
    final Path log;
    final List<String> jvm;
    List<String> args;
    Process process;
    int starts;

    ChirpProcess(Path dir, String name, List<String> jvm, String... args) {
        this.name = name;
        this.log = dir.resolve(name + ".log");
        this.jvm = jvm;
        this.args = List.of(args);
    }

    ChirpProcess start() throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC", "-Xmx256m", "-XX:TieredStopAtLevel=1"));
        cmd.addAll(jvm);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(args);
        starts++;
        process = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        return this;
    }

    String output() throws IOException { return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : ""; }

    /** SIGKILL: no shutdown hook runs, nothing is flushed. */
    void kill9() throws Exception {
        process.destroyForcibly();
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }

    /** SIGTERM (the shutdown hook runs), SIGKILL after 40 s. */
    void stop() throws Exception {
        if (process == null || !process.isAlive()) return;
        process.destroy();
        if (!process.waitFor(40, TimeUnit.SECONDS)) kill9();
    }

    /** {@return the output once {@code ready} holds for it} Fails if the process ends first or 180 s pass. */
    String await(String what, Predicate<String> ready) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        while (System.nanoTime() < end) {
            String out = output();
            if (ready.test(out)) return out;
            if (!process.isAlive()) throw new AssertionError(name + " ended (exit " + process.exitValue() + "): " + out);
            Thread.sleep(250);
        }
        throw new AssertionError("timed out waiting for " + what + ": " + output());
    }

    /** A started server's address and first admin token, from its output. */
    record Api(URI base, String port, String token) {
        static Api of(String out) {
            Matcher m = Pattern.compile("listening on (http://127\\.0\\.0\\.1:(\\d+))").matcher(out);
            assertThat(m.find()).as(out).isTrue();
            Matcher t = Pattern.compile("stored only hashed:\\s+(\\S+)").matcher(out);
            assertThat(t.find()).as(out).isTrue();
            return new Api(URI.create(m.group(1)), m.group(2), t.group(1));
        }

        HttpResponse<String> call(HttpRequest.Builder b) throws Exception {
            try (HttpClient c = HttpClient.newHttpClient()) {
                return c.send(b.header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(30)).build(),
                        HttpResponse.BodyHandlers.ofString());
            }
        }

        /** {@return GET {@code path} as JSON} Fails on a status other than 200. */
        JsonNode get(String path) throws Exception {
            HttpResponse<String> r = call(HttpRequest.newBuilder(base.resolve(path)));
            assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
            return JSON.readTree(r.body());
        }

        /** {@return GET {@code path} once {@code ok} holds for it} A server restarting meanwhile is waited for. */
        JsonNode await(String path, Predicate<JsonNode> ok, Duration max) throws Exception {
            long end = System.nanoTime() + max.toNanos();
            JsonNode last = null;
            while (System.nanoTime() < end) {
                try {
                    HttpResponse<String> r = call(HttpRequest.newBuilder(base.resolve(path)));
                    if (r.statusCode() == 200) {
                        last = JSON.readTree(r.body());
                        if (ok.test(last)) return last;
                    }
                } catch (IOException e) {
                    // the server is restarting
                }
                Thread.sleep(300);
            }
            throw new AssertionError("timed out waiting on " + path + ": " + last);
        }
    }

    /** {@return {@code args} with the value after {@code --port} replaced} (a restarted server keeps its port) */
    static String[] withPort(List<String> args, String port) {
        List<String> a = new ArrayList<>(args);
        a.set(a.indexOf("--port") + 1, port);
        return a.toArray(String[]::new);
    }
}
