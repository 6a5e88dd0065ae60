package io.chirp.bench;

import io.chirp.detect.Detector;
import io.chirp.hypervisor.LiveVm;
import io.chirp.hypervisor.VmAcquisition;
import io.chirp.hypervisor.VmInventory;
import io.chirp.lab.LabGuest;
import io.chirp.linux.LinuxKernel;
import io.chirp.memory.ImageFormat;
import io.chirp.memory.MemoryImage;
import io.chirp.memory.MemoryImages;
import io.chirp.monitor.EventPipeline;
import io.chirp.monitor.Monitor;
import io.chirp.monitor.Snapshotter;
import io.chirp.monitor.VmWatcher;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * End-to-end monitoring figures on a real guest: latency from a guest action to its alert (polling and tracing),
 * the cost of one poll (how many VMs one core can watch at a 1 s interval, measured on a memory image as a
 * stand-in for a fleet), and the guest's slowdown while traced.
 */
final class MonitorBench {
    record Row(String what, double value, String unit, String note) {}

    static List<Row> run(Path scratch) throws Exception {
        List<Row> rows = new ArrayList<>();
        try (LabGuest g = LabFixture.boot("512M")) {
            // one poll on a memory image of this guest: the work per VM per interval
            Path image = scratch.resolve("fleet.elf");
            Files.deleteIfExists(image);
            Files.deleteIfExists(image.resolveSibling("fleet.elf.manifest.json"));
            try (LiveVm vm = LiveVm.attach(new VmInventory().find(g.name()))) {
                VmAcquisition.acquire(vm, image, ImageFormat.ELF_CORE, VmAcquisition.Mode.LIVE, (d, t) -> {});
            }
            try (MemoryImage img = MemoryImages.open(image)) {
                Snapshotter s = new Snapshotter(LinuxKernel.attach(img.memory(), img.cpus()), img.cpus(), 5);
                for (int w = 0; w < 20; w++) s.take();
                int n = 50;
                long t0 = System.nanoTime();
                for (int k = 0; k < n; k++) s.take();
                double ms = (System.nanoTime() - t0) / 1e6 / n;
                rows.add(new Row("one poll (processes, modules, sockets; integrity every 5th)", ms, "ms", "memory image stand-in"));
                rows.add(new Row("VMs one core can watch at a 1 s interval", Math.floor(1000 / ms), "VMs", "1000 ms / poll"));
            }
            Files.deleteIfExists(image);
            Files.deleteIfExists(image.resolveSibling("fleet.elf.manifest.json"));

            rows.add(latency(g, false));
            rows.add(latency(g, true));

            // slowdown: the same exec-heavy guest loop, traced and not
            String loop = "t0=$(cut -d' ' -f1 /proc/uptime); i=0; while [ $i -lt 100 ]; do /bin/true; i=$((i+1)); done; "
                    + "t1=$(cut -d' ' -f1 /proc/uptime); echo \"$t0 $t1\"";
            double plain = guestSeconds(g.shell(loop, Duration.ofMinutes(5)));
            double traced;
            try (Run r = new Run(g, true)) {
                traced = guestSeconds(g.shell(loop, Duration.ofMinutes(5)));
            }
            rows.add(new Row("100 execs in the guest, untraced", plain, "s", "guest clock"));
            rows.add(new Row("100 execs in the guest, traced (exec/exit/module/connect breakpoints)", traced, "s",
                    String.format("slowdown %.2fx", traced / plain)));
        }
        return rows;
    }

    private static double guestSeconds(String out) {
        String[] f = out.strip().split("\\s+");
        return Double.parseDouble(f[f.length - 1]) - Double.parseDouble(f[f.length - 2]);
    }

    private static Row latency(LabGuest g, boolean trace) throws Exception {
        try (Run r = new Run(g, trace)) {
            List<Long> ms = new ArrayList<>();
            for (int k = 0; k < 3; k++) {
                int before = r.alerts.size();
                long t0 = System.nanoTime();
                // an exec from /tmp that lives for a second: polling can see it too
                g.shell("cp /bin/busybox /tmp/lat" + k + " 2>/dev/null; (exec -a sleep /tmp/lat" + k + " 1) &", Duration.ofMinutes(1));
                while (r.alerts.size() == before && System.nanoTime() - t0 < 60_000_000_000L) Thread.sleep(5);
                ms.add((System.nanoTime() - t0) / 1_000_000);
                Thread.sleep(1500);
            }
            double avg = ms.stream().mapToLong(Long::longValue).average().orElse(-1);
            return new Row("guest action to alert, " + (trace ? "tracing" : "polling at 1 s"), avg, "ms",
                    "mean of 3, includes the console round trip that starts the action; " + ms);
        }
    }

    /** A monitor on the guest for the duration of one measurement. */
    private static final class Run implements AutoCloseable {
        final List<EventPipeline.Alert> alerts = new CopyOnWriteArrayList<>();
        final EventPipeline pipeline;
        final Monitor monitor;

        Run(LabGuest g, boolean trace) throws InterruptedException {
            List<io.chirp.events.OcsfEvent> events = new CopyOnWriteArrayList<>();
            pipeline = new EventPipeline(List.of(), Detector.shipped(), alerts::add, events::add);
            monitor = Monitor.start(List.of(g.name()), new VmWatcher.Options(Duration.ofSeconds(1), trace, 0), pipeline);
            long t0 = System.nanoTime();
            while (events.stream().noneMatch(e -> e.classUid() == 5019) && System.nanoTime() - t0 < 60_000_000_000L) {
                Thread.sleep(50);
            }
        }

        @Override public void close() {
            monitor.close();
            pipeline.close();
        }
    }
}
