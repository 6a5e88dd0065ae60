package io.chirp.bench;

import io.chirp.detect.Detector;
import io.chirp.hypervisor.LiveVm;
import io.chirp.hypervisor.QemuVm;
import io.chirp.hypervisor.VmInventory;
import io.chirp.hypervisor.qemu.QmpClient;
import io.chirp.lab.LabGuest;
import io.chirp.linux.LinuxKernel;
import io.chirp.linux.Processes;
import io.chirp.monitor.EventPipeline;
import io.chirp.monitor.Monitor;
import io.chirp.monitor.VmWatcher;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A one-shot process list of a VM that a monitor is watching, against the same with nobody else on the VM:
 * in one JVM (the broker shares the VM's QMP connection with the watcher) and as separate processes (a
 * {@code chirp monitor} process holds QMP: its lease record answers at once and lends its memory map; a non-CHIRP
 * client holds it: the greeting timeout bounds the wait).
 */
final class SessionBench {
    record Row(String what, double millis, String note) {}

    static List<Row> run(String classpath, int repeats) throws Exception {
        List<Row> rows = new ArrayList<>();
        try (LabGuest g = LabFixture.boot("512M")) {
            QemuVm vm = new VmInventory().find(g.name());
            oneShot(vm); // warm-up: class loading, JIT
            rows.add(median("in-JVM pslist (attach, kernel, task walk), nobody else on the VM", repeats, () -> oneShot(vm)));
            try (Monitor m = watch(g)) {
                rows.add(median("in-JVM pslist while a monitor in the same JVM watches (shared QMP)", repeats, () -> oneShot(vm)));
            }
            List<String> pslist = List.of(java(), "-XX:+UseSerialGC", "--enable-native-access=ALL-UNNAMED", "-cp", classpath,
                    "io.chirp.cli.Main", "linux", "pslist", "--vm", g.name());
            rows.add(median("`chirp linux pslist --vm` process, nobody else on the VM", repeats, () -> command(pslist)));
            Process monitor = new ProcessBuilder(java(), "-XX:+UseSerialGC", "--enable-native-access=ALL-UNNAMED", "-cp",
                    classpath, "io.chirp.cli.Main", "monitor", "--vm", g.name(), "--sink", "jsonl:/dev/null")
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            try {
                long t0 = System.nanoTime();
                while (QmpClient.holder(g.qmpSocket()).filter(l -> l.pid() == monitor.pid()).isEmpty()) {
                    if (System.nanoTime() - t0 > 120_000_000_000L) throw new IllegalStateException("the monitor never took QMP");
                    Thread.sleep(100);
                }
                rows.add(median("`chirp linux pslist --vm` process while a `chirp monitor` process holds QMP", repeats,
                        () -> command(pslist)));
            } finally {
                monitor.destroy();
                monitor.waitFor(30, TimeUnit.SECONDS);
            }
            try (SocketChannel holder = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                holder.connect(UnixDomainSocketAddress.of(g.qmpSocket()));
                new BufferedReader(new InputStreamReader(Channels.newInputStream(holder), StandardCharsets.UTF_8)).readLine();
                rows.add(median("`chirp linux pslist --vm` process while a non-CHIRP client holds QMP", 1, () -> command(pslist)));
            }
        }
        return rows;
    }

    private static Monitor watch(LabGuest g) throws InterruptedException {
        List<io.chirp.events.OcsfEvent> events = new java.util.concurrent.CopyOnWriteArrayList<>();
        EventPipeline p = new EventPipeline(List.of(), Detector.shipped(), a -> { }, events::add);
        Monitor m = Monitor.start(List.of(g.name()), new VmWatcher.Options(Duration.ofSeconds(1), false, 0), p);
        long t0 = System.nanoTime();
        while (events.stream().noneMatch(e -> e.classUid() == 5019) && System.nanoTime() - t0 < 120_000_000_000L) {
            Thread.sleep(50);
        }
        return m;
    }

    private static long oneShot(QemuVm vm) {
        long t0 = System.nanoTime();
        try (LiveVm live = LiveVm.attach(vm)) {
            int n = new Processes(LinuxKernel.attach(live.memory(), live.registers())).list(false, false).processes().size();
            if (n == 0) throw new IllegalStateException("no processes");
        }
        return System.nanoTime() - t0;
    }

    private static long command(List<String> cmd) {
        long t0 = System.nanoTime();
        try {
            Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            String err = new String(p.getErrorStream().readAllBytes());
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(cmd + " hung");
            }
            if (p.exitValue() != 0) throw new IllegalStateException(cmd + " failed: " + err);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return System.nanoTime() - t0;
    }

    private static Row median(String what, int repeats, Supplier<Long> once) {
        List<Long> ns = new ArrayList<>();
        for (int i = 0; i < repeats; i++) ns.add(once.get());
        List<Long> sorted = ns.stream().sorted().toList();
        double med = sorted.get(sorted.size() / 2) / 1e6;
        return new Row(what, med, "median of " + repeats + ": " + ns.stream().map(n -> Long.toString(n / 1_000_000)).toList() + " ms");
    }

    private static String java() { return Path.of(System.getProperty("java.home"), "bin", "java").toString(); }
}
