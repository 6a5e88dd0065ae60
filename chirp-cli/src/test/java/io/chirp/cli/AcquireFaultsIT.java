package io.chirp.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.chirp.core.ChirpException;
import io.chirp.evidence.EvidenceManifest;
import io.chirp.hypervisor.pause.PauseMarker;
import io.chirp.hypervisor.pause.PauseRecovery;
import io.chirp.hypervisor.qemu.QmpClient;
import io.chirp.lab.LabGuest;
import io.chirp.lab.WithLabGuest;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code chirp acquire --consistent} and {@code --migration} run as separate processes and are killed mid-way
 * (SIGKILL, SIGTERM, and SIGINT to the process group as Ctrl-C sends it), at several moments; each time the
 * guest must run again within seconds, QEMU's migration state must be as before, and no final image or scratch
 * file may be left. Last, a VM killed during a live acquisition must make an image marked incomplete.
 */
@WithLabGuest(shared = false)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AcquireFaultsIT {
    private static final Duration BACK_WITHIN = Duration.ofSeconds(10);

    enum Sig { KILL, TERM, INT }

    /** QEMU's state before a round, to compare with after it. */
    record Baseline(String status, JsonNode parameters, JsonNode capabilities) {}

    @Test
    @Order(1)
    void consistentAcquireInterruptedMidCopyLeavesTheGuestRunning(LabGuest g, @TempDir Path dir) throws Exception {
        Object[][] rounds = {{Sig.KILL, 0.05}, {Sig.KILL, 0.5}, {Sig.KILL, 0.9}, {Sig.TERM, 0.2}, {Sig.TERM, 0.7},
                {Sig.INT, 0.3}, {Sig.INT, 0.8}};
        int n = 0;
        for (Object[] r : rounds) {
            Sig sig = (Sig) r[0];
            double at = (double) r[1];
            Path out = dir.resolve("cons-" + (n++) + ".elf");
            Baseline before = baseline(g);
            assertThat(before.status()).isEqualTo("running");
            Process p = cli(dir, "acquire", "--vm", g.name(), "--consistent", "--quiet", "-o", out.toString());
            Path partial = out.resolveSibling(out.getFileName() + ".partial");
            awaitOrFail(p, () -> size(partial), (long) (g.memoryBytes() * at), "the partial image to reach " + at);
            signal(p, sig);
            assertPutBack(g, p, sig, before, out);
        }
    }

    @Test
    @Order(2)
    void migrationAcquireInterruptedPutsQemuBack(LabGuest g, @TempDir Path dir) throws Exception {
        // moments: just after the marker is written (settings about to change), while QEMU streams RAM into the
        // scratch file (bytes really written there; zero pages stay sparse), and while the scratch becomes the image
        Object[][] rounds = {{Sig.KILL, "marker", 0L}, {Sig.KILL, "scratch", 8L << 20}, {Sig.KILL, "scratch", 64L << 20},
                {Sig.KILL, "image", (long) (g.memoryBytes() * 0.4)}, {Sig.TERM, "scratch", 32L << 20},
                {Sig.TERM, "image", (long) (g.memoryBytes() * 0.5)}, {Sig.INT, "scratch", 16L << 20},
                {Sig.INT, "image", (long) (g.memoryBytes() * 0.3)}};
        int n = 0;
        for (Object[] r : rounds) {
            Sig sig = (Sig) r[0];
            String where = (String) r[1];
            long goal = (long) r[2];
            Path out = dir.resolve("mig-" + (n++) + ".elf");
            Baseline before = baseline(g);
            Process p = cli(dir, "acquire", "--vm", g.name(), "--migration", "--quiet", "-o", out.toString());
            Path partial = out.resolveSibling(out.getFileName() + ".partial");
            switch (where) {
                case "marker" -> awaitOrFail(p, () -> Files.exists(PauseMarker.fileFor(g.name())) ? 1 : 0, 1, "the marker");
                case "scratch" -> awaitOrFail(p, () -> allocated(scratchOf(p.pid())), goal, "scratch holding " + goal);
                default -> awaitOrFail(p, () -> size(partial), goal, "the partial image to reach " + goal);
            }
            signal(p, sig);
            assertPutBack(g, p, sig, before, out);
            assertThat(scratchOf(p.pid())).as("no scratch folder left (round %s %s %s)", sig, where, goal).isNull();
            try (Stream<Path> tmp = Files.list(Path.of("/tmp"))) {
                assertThat(tmp.map(x -> x.getFileName().toString())
                        .filter(x -> x.startsWith(PauseRecovery.SCRATCH_PREFIX) && x.contains("-" + p.pid() + "-")))
                        .as("no migration socket left").isEmpty();
            }
        }
    }

    @Test
    @Order(3)
    void whenTheGuardianDiesTooTheNextCommandSaysSoAndVmResumeUndoesIt(LabGuest g, @TempDir Path dir) throws Exception {
        Path out = dir.resolve("orphan.elf");
        Process p = cli(dir, "acquire", "--vm", g.name(), "--consistent", "--quiet", "-o", out.toString());
        awaitOrFail(p, () -> size(out.resolveSibling("orphan.elf.partial")), g.memoryBytes() / 3, "a third of the copy");
        List<Long> guards = guardians(g, Duration.ZERO);
        assertThat(guards).as("a guardian watches the paused VM").hasSize(1);
        // the worst case: CHIRP and its guardian killed together
        new ProcessBuilder("kill", "-9", Long.toString(guards.getFirst()), Long.toString(p.pid())).start().waitFor();
        p.waitFor(30, TimeUnit.SECONDS);
        Thread.sleep(1000);
        assertThat(PauseMarker.fileFor(g.name())).as("the marker outlives both").exists();
        try (QmpClient q = qmp(g)) {
            assertThat(q.status()).isEqualTo("paused");
        }

        StringWriter list = new StringWriter();
        assertThat(Main.run(new String[] {"vm", "list", "--format", "json"}, new PrintWriter(list, true),
                new PrintWriter(new StringWriter(), true))).isZero();
        JsonNode row = null;
        for (JsonNode r : new com.fasterxml.jackson.databind.ObjectMapper().readTree(list.toString())) {
            if (r.path("name").asText().equals(g.name())) row = r;
        }
        assertThat(row).as(list.toString()).isNotNull();
        assertThat(row.path("chirp").asText()).contains("left by killed pid " + p.pid(), "chirp vm resume " + g.name());

        // the next command on the VM says so (a warning, through slf4j-simple on the process's stderr)
        StringWriter regsErr = new StringWriter();
        int[] regs = new int[1];
        String notice = captureStderr(() -> regs[0] = Main.run(new String[] {"regs", "--vm", g.name()},
                new PrintWriter(new StringWriter(), true), new PrintWriter(regsErr, true)));
        assertThat(regs[0]).as(regsErr.toString()).isZero();
        assertThat(notice).contains("VM " + g.name() + " was paused by CHIRP (pid " + p.pid() + ", acquire --consistent, at ",
                "is still paused", "chirp vm resume " + g.name());

        StringWriter o = new StringWriter(), e = new StringWriter();
        int rc = Main.run(new String[] {"vm", "resume", g.name()}, new PrintWriter(o, true), new PrintWriter(e, true));
        assertThat(rc).as(e.toString()).isZero();
        assertThat(o.toString()).contains("resumed the guest (was paused)", "status running");
        assertThat(PauseMarker.fileFor(g.name())).doesNotExist();
        assertThat(g.shell("echo back-$((1+2))", Duration.ofSeconds(60))).contains("back-3");

        // no marker: CHIRP did not pause it, so it will not resume it
        rc = Main.run(new String[] {"vm", "resume", g.name()}, new PrintWriter(new StringWriter(), true),
                new PrintWriter(e = new StringWriter(), true));
        assertThat(rc).isEqualTo(1);
        assertThat(e.toString()).contains("CHIRP did not leave it paused");
        Files.deleteIfExists(out.resolveSibling("orphan.elf.partial"));
    }

    @Test
    @Order(4)
    void aGuestPausedBySomeoneElseStaysPaused(LabGuest g, @TempDir Path dir) throws Exception {
        try (QmpClient q = qmp(g)) {
            q.execute("stop", null);
        }
        try {
            Path out = dir.resolve("already.lime");
            StringWriter o = new StringWriter(), e = new StringWriter();
            int rc = Main.run(new String[] {"acquire", "--vm", g.name(), "--consistent", "--quiet", "--format", "lime",
                    "-o", out.toString()}, new PrintWriter(o, true), new PrintWriter(e, true));
            assertThat(rc).as(e.toString()).isZero();
            assertThat(EvidenceManifest.read(EvidenceManifest.pathFor(out)).notes())
                    .anyMatch(n -> n.contains("already paused") && n.contains("left paused"));
            try (QmpClient q = qmp(g)) {
                assertThat(q.status()).as("CHIRP resumes only what it paused").isEqualTo("paused");
            }
            assertThat(PauseMarker.fileFor(g.name())).doesNotExist();
        } finally {
            try (QmpClient q = qmp(g)) {
                q.execute("cont", null);
            }
        }
    }

    /** {@return what {@code run} printed on the process's stderr (where slf4j-simple logs)} */
    private static String captureStderr(Runnable run) {
        java.io.PrintStream old = System.err;
        java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            run.run();
        } finally {
            System.setErr(old);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }

    @Test
    @Order(5)
    void aVmKilledDuringALiveAcquireMakesAnImageMarkedIncomplete(LabGuest g, @TempDir Path dir) throws Exception {
        Path out = dir.resolve("live.elf");
        Process p = cli(dir, "acquire", "--vm", g.name(), "--quiet", "-o", out.toString());
        Path partial = out.resolveSibling(out.getFileName() + ".partial");
        awaitOrFail(p, () -> size(partial), g.memoryBytes() / 4, "the partial image to reach a quarter");
        // On a quiet machine the copy takes well under a second: CHIRP is stopped (SIGSTOP) while QEMU is killed,
        // so QEMU is certainly gone in the middle of the copy, then CHIRP carries on.
        new ProcessBuilder("kill", "-STOP", Long.toString(p.pid())).start().waitFor();
        try {
            new ProcessBuilder("kill", "-9", Long.toString(g.pid())).start().waitFor();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (ProcessHandle.of(g.pid()).map(h -> running(h.pid())).orElse(false) == Boolean.TRUE
                    && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
        } finally {
            new ProcessBuilder("kill", "-CONT", Long.toString(p.pid())).start().waitFor();
        }
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        String err = output(dir, p);
        // The lab guest's RAM is a shared file, mapped: it stays readable after QEMU dies, so the copy completes,
        // and the manifest must say what happened. (A channel that dies with QEMU, QMP or gdbstub, fails the copy:
        // then no image and no manifest are left, see VmAcquisition.)
        assertThat(out).as(err).exists();
        assertThat(p.exitValue()).as(err).isEqualTo(4); // ExitCode.PARTIAL
        EvidenceManifest m = EvidenceManifest.read(EvidenceManifest.pathFor(out));
        assertThat(m.complete()).isFalse();
        assertThat(m.notes()).anyMatch(x -> x.contains("source vanished") && x.contains("QEMU pid " + g.pid()));
        assertThat(err).contains("INCOMPLETE", "source vanished");
    }

    // ---- helpers ----

    private void assertPutBack(LabGuest g, Process p, Sig sig, Baseline before, Path out) throws Exception {
        String round = sig + " " + out.getFileName();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("CHIRP exits on " + round).isTrue();
        // First the files and processes, without touching QMP: it serves one client, and a test holding it would
        // keep the guardian out.
        long deadline = System.nanoTime() + BACK_WITHIN.toNanos();
        while ((Files.exists(PauseMarker.fileFor(g.name())) || !guardians(g, Duration.ZERO).isEmpty())
                && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(PauseMarker.fileFor(g.name())).as("pause marker removed within %s after %s; CHIRP said:%n%s",
                BACK_WITHIN, round, output(out.getParent(), p) + guardianLog(g)).doesNotExist();
        assertThat(guardians(g, Duration.ofSeconds(5))).as("no guardian left running after " + round).isEmpty();
        Baseline after = baseline(g);
        for (int i = 0; i < 10 && !after.equals(before); i++) {
            Thread.sleep(200);
            after = baseline(g);
        }
        String log = output(out.getParent(), p) + guardianLog(g);
        assertThat(after.status()).as("guest running again within %s after %s; CHIRP said:%n%s", BACK_WITHIN, round, log)
                .isEqualTo("running");
        assertThat(after.parameters()).as("migration parameters back after " + round).isEqualTo(before.parameters());
        assertThat(after.capabilities()).as("migration capabilities back after " + round).isEqualTo(before.capabilities());
        try (QmpClient q = qmp(g)) {
            String mig = q.execute("query-migrate", null).path("status").asText("none");
            assertThat(mig).as("no migration running after " + round).isIn("none", "failed", "cancelled", "completed");
        }
        assertThat(g.shell("echo alive-$((40+2))", Duration.ofSeconds(60))).as("guest console answers after " + round)
                .contains("alive-42");
        assertThat(out).as("no final image after " + round).doesNotExist();
        assertThat(EvidenceManifest.pathFor(out)).doesNotExist();
        Path partial = out.resolveSibling(out.getFileName() + ".partial");
        if (sig != Sig.KILL) assertThat(partial).as("a signalled CHIRP removes its partial file").doesNotExist();
        Files.deleteIfExists(partial);
        if (sig != Sig.KILL) {
            assertThat(p.exitValue()).as("exit status after " + round).isEqualTo(128 + (sig == Sig.TERM ? 15 : 2));
        }
    }

    private static Baseline baseline(LabGuest g) {
        try (QmpClient q = qmp(g)) {
            return new Baseline(q.status(), q.execute("query-migrate-parameters", null),
                    q.execute("query-migrate-capabilities", null));
        }
    }

    /** QMP serves one client: wait while CHIRP or its guardian still holds it. */
    private static QmpClient qmp(LabGuest g) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                return QmpClient.connect(g.qmpSocket());
            } catch (ChirpException e) {
                if (System.nanoTime() > deadline) throw e;
                try {
                    Thread.sleep(100);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    /**
     * Starts the CLI as its own process, in a session of its own (so SIGINT to its group is Ctrl-C to it alone),
     * with SIGINT and SIGTERM at their defaults: a JVM started with SIGINT ignored (as a background job is) keeps
     * ignoring it, and the test would not test anything.
     */
    private static Process cli(Path dir, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("perl", "-MPOSIX", "-e",
                "POSIX::setsid(); $SIG{INT}='DEFAULT'; $SIG{TERM}='DEFAULT'; exec @ARGV or die \"exec: $!\"",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "--enable-native-access=ALL-UNNAMED",
                "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        Path log = dir.resolve("cli-" + System.nanoTime() + ".log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Files.writeString(dir.resolve("cli-" + p.pid() + ".name"), log.getFileName().toString());
        return p;
    }

    private static String output(Path dir, Process p) throws IOException {
        Path name = dir.resolve("cli-" + p.pid() + ".name");
        if (!Files.exists(name)) return "";
        return Files.readString(dir.resolve(Files.readString(name)), StandardCharsets.UTF_8);
    }

    private static String guardianLog(LabGuest g) throws IOException {
        Path log = PauseMarker.fileFor(g.name()).resolveSibling(PauseMarker.fileFor(g.name()).getFileName() + ".guardian.log");
        return Files.exists(log) ? "\nguardian log:\n" + Files.readString(log) : "";
    }

    private static void signal(Process p, Sig sig) throws Exception {
        String target = sig == Sig.INT ? "-" + p.pid() : Long.toString(p.pid()); // Ctrl-C goes to the process group
        Process k = new ProcessBuilder("kill", "-" + sig.name(), "--", target).redirectErrorStream(true).start();
        assertThat(k.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(k.exitValue()).as(new String(k.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isZero();
    }

    /** Waits until {@code value} reaches {@code goal}; the CLI ending first (or taking minutes) fails the test. */
    private static void awaitOrFail(Process p, LongSupplier value, long goal, String what) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        while (value.getAsLong() < goal) {
            if (!p.isAlive()) throw new AssertionError("CHIRP ended (exit " + p.exitValue() + ") before " + what);
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for " + what);
            Thread.sleep(20);
        }
    }

    /** {@return true while the process runs (neither gone nor a zombie)} */
    private static boolean running(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            return state != 'Z' && state != 'X';
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private static long size(Path f) {
        try {
            return Files.size(f);
        } catch (IOException e) {
            return -1;
        }
    }

    /** {@return the bytes a (sparse) file or file tree really occupies, from du} */
    private static long allocated(Path dir) {
        if (dir == null) return -1;
        try {
            Process du = new ProcessBuilder("du", "-s", "-B1", dir.toString()).redirectErrorStream(true).start();
            String o = new String(du.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            du.waitFor();
            return Long.parseLong(o.split("\\s+")[0]);
        } catch (IOException | InterruptedException | NumberFormatException e) {
            return -1;
        }
    }

    private static Path scratchOf(long pid) {
        Path root = PauseRecovery.scratchRoot();
        if (!Files.isDirectory(root)) return null;
        try (Stream<Path> s = Files.list(root)) {
            return s.filter(d -> d.getFileName().toString().startsWith(PauseRecovery.SCRATCH_PREFIX)
                    && d.getFileName().toString().contains("-" + pid + "-")).findFirst().orElse(null);
        } catch (IOException e) {
            return null;
        }
    }

    /** {@return guardian processes still watching this guest's marker (waits a little for them to exit)} */
    private static List<Long> guardians(LabGuest g, Duration wait) throws InterruptedException {
        String marker = PauseMarker.fileFor(g.name()).toString();
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            // /proc/PID/cmdline itself: ProcessHandle.Info reads only its first page, and a guardian's classpath
            // (the test's, with Kafka and Selenium) pushes the marker argument past it
            List<Long> found = ProcessHandle.allProcesses().map(ProcessHandle::pid)
                    .filter(pid -> cmdline(pid).contains(marker)).toList();
            if (found.isEmpty() || System.nanoTime() > deadline) return found;
            Thread.sleep(100);
        }
    }

    /** {@return the process's arguments, all of them; empty if it is gone or unreadable} */
    private static List<String> cmdline(long pid) {
        try {
            return List.of(new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")),
                    java.nio.charset.StandardCharsets.UTF_8).split("\0"));
        } catch (java.io.IOException | RuntimeException e) {
            return List.of();
        }
    }
}
