package io.chirp.cli;

import io.chirp.hypervisor.qemu.ChannelLease;
import io.chirp.hypervisor.qemu.QmpClient;
import io.chirp.lab.GroundTruth;
import io.chirp.lab.LabGuest;
import io.chirp.lab.WithLabGuest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The bug this guards against: while one client holds a VM's only QMP connection, `--vm` commands queued behind
 * it and, once QEMU's listen queue was full, hung in connect() forever with no output. Each command here runs as
 * its own process under a hard time limit: memory views succeed through the shared RAM file, `regs` fails saying
 * who holds QMP.
 */
@WithLabGuest(shared = false)
class QmpContentionIT {
    private static final Duration LIMIT = Duration.ofSeconds(120);

    private record Run(int rc, String out, String err, Duration took) {}

    @Test
    void aPlainClientHoldingQmpWithAFullQueueHangsNothing(LabGuest g, @TempDir Path dir) throws Exception {
        List<SocketChannel> queued = new ArrayList<>();
        try (SocketChannel holder = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            holder.connect(UnixDomainSocketAddress.of(g.qmpSocket()));
            assertThat(firstLine(holder)).contains("\"QMP\"");
            // clients that gave up still sit in QEMU's listen queue: fill it, so a blocking connect() would never return
            for (int i = 0; i < 3; i++) {
                SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
                ch.configureBlocking(false);
                try {
                    ch.connect(UnixDomainSocketAddress.of(g.qmpSocket()));
                    queued.add(ch);
                } catch (IOException e) {
                    ch.close();
                }
            }
            Run regs = chirp(dir, "regs", "--vm", g.name());
            assertThat(regs.rc()).as(regs.err()).isEqualTo(1);
            assertThat(regs.err()).contains("QMP of VM " + g.name() + " is held by another client");

            Run ps = chirp(dir, "linux", "pslist", "--vm", g.name());
            assertThat(ps.rc()).as(ps.err()).isZero();
            assertThat(ps.out()).contains(someGuestProcess(g.groundTruth()));
            assertThat(ps.err()).as("says where the memory layout came from").contains("memory layout from the RAM size");

            Path image = dir.resolve("live.elf");
            Run acq = chirp(dir, "acquire", "--vm", g.name(), "-o", image.toString(), "--quiet");
            assertThat(acq.rc()).as(acq.err()).isZero();
            assertThat(Files.size(image)).isGreaterThan(g.memoryBytes() / 2);
        } finally {
            for (SocketChannel ch : queued) ch.close();
        }
    }

    @Test
    void aChirpMonitorHoldingQmpIsNamedAndOthersUseItsMemoryMap(LabGuest g, @TempDir Path dir) throws Exception {
        Process monitor = start(dir, "monitor", "--vm", g.name(), "--sink", "jsonl:" + dir.resolve("events.jsonl"),
                "--integrity-every", "0");
        try {
            ChannelLease lease = awaitHolder(g.qmpSocket(), monitor);
            assertThat(lease.command()).isEqualTo("chirp monitor");
            assertThat(lease.published()).containsKey("mtree");

            Run regs = chirp(dir, "regs", "--vm", g.name());
            assertThat(regs.rc()).as(regs.err()).isEqualTo(1);
            assertThat(regs.err()).contains("QMP of VM " + g.name() + " is held by `chirp monitor`, pid " + monitor.pid());
            assertThat(regs.took()).as("no connect attempt: the lease answers at once").isLessThan(Duration.ofSeconds(60));

            Run list = chirp(dir, "vm", "list", "--format", "csv");
            assertThat(list.rc()).as(list.err()).isZero();
            assertThat(list.out().lines().filter(l -> l.startsWith(g.name() + ",")).findFirst().orElseThrow())
                    .contains("qmp: chirp monitor pid " + monitor.pid());

            Run ps = chirp(dir, "linux", "pslist", "--vm", g.name());
            assertThat(ps.rc()).as(ps.err()).isZero();
            assertThat(ps.out()).contains(someGuestProcess(g.groundTruth()));
            assertThat(ps.err()).contains("memory layout from QEMU's 'info mtree -f' as published by the QMP holder `chirp monitor`");
        } finally {
            monitor.destroy();
            if (!monitor.waitFor(30, TimeUnit.SECONDS)) monitor.destroyForcibly().waitFor();
        }
        // the holder is gone: QMP is CHIRP's again, and its dead record is not believed
        Run regs = chirp(dir, "regs", "--vm", g.name());
        assertThat(regs.rc()).as(regs.err()).isZero();
        assertThat(regs.out()).contains("qmp:hmp");
    }

    private static String someGuestProcess(GroundTruth gt) {
        return gt.processes().stream().map(GroundTruth.Process::comm).filter(c -> c.equals("evil_miner") || c.equals("syslogd"))
                .findFirst().orElseThrow(() -> new AssertionError("the guest's own report lists no known process"));
    }

    private static ChannelLease awaitHolder(Path socket, Process monitor) throws InterruptedException {
        long deadline = System.nanoTime() + LIMIT.toNanos();
        while (System.nanoTime() < deadline) {
            assertThat(monitor.isAlive()).as("monitor exited early").isTrue();
            Optional<ChannelLease> l = QmpClient.holder(socket);
            if (l.isPresent() && l.get().pid() == monitor.pid() && l.get().published().containsKey("mtree")) return l.get();
            Thread.sleep(250);
        }
        throw new AssertionError("the monitor never took QMP");
    }

    private static Process start(Path dir, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                "io.chirp.cli.Main"));
        cmd.addAll(List.of(args));
        String tag = args[0] + "-" + System.nanoTime();
        return new ProcessBuilder(cmd).redirectOutput(dir.resolve(tag + ".out").toFile())
                .redirectError(dir.resolve(tag + ".err").toFile()).start();
    }

    /** Runs one chirp command as its own process; one that outlives {@link #LIMIT} is killed and fails the test. */
    private static Run chirp(Path dir, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                "io.chirp.cli.Main"));
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile(dir, "out", ".txt"), err = Files.createTempFile(dir, "err", ".txt");
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(LIMIT.toSeconds(), TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            throw new AssertionError("`chirp " + String.join(" ", args) + "` hung for " + LIMIT + "; stderr so far:\n"
                    + Files.readString(err));
        }
        return new Run(p.exitValue(), Files.readString(out), Files.readString(err), Duration.ofNanos(System.nanoTime() - t0));
    }

    private static String firstLine(SocketChannel ch) throws Exception {
        String[] line = new String[1];
        Thread t = Thread.ofVirtual().start(() -> {
            try {
                line[0] = new BufferedReader(new InputStreamReader(Channels.newInputStream(ch), StandardCharsets.UTF_8)).readLine();
            } catch (IOException e) {
                line[0] = "error: " + e;
            }
        });
        t.join(Duration.ofSeconds(15));
        if (line[0] == null) throw new AssertionError("no QMP greeting within 15 s");
        return line[0];
    }
}
