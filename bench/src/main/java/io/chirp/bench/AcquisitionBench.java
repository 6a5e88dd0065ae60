package io.chirp.bench;

import io.chirp.hypervisor.LiveVm;
import io.chirp.hypervisor.VmAcquisition;
import io.chirp.hypervisor.VmInventory;
import io.chirp.hypervisor.qemu.QmpClient;
import io.chirp.lab.LabGuest;
import io.chirp.memory.ImageFormat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Acquisition of a 1 GiB guest in each of CHIRP's modes against QEMU's own dump-guest-memory of the same guest,
 * to the same disk: time to a complete image, and how long the guest was paused (from QEMU's STOP/RESUME events).
 */
final class AcquisitionBench {
    /** One measured acquisition. */
    record Row(String what, double seconds, double pauseMillis, long bytes) {}

    static List<Row> run(Path scratch, int repeats) throws Exception {
        List<Row> rows = new ArrayList<>();
        try (LabGuest g = LabFixture.boot("1G")) {
            for (int rep = 0; rep < repeats; rep++) {
                rows.add(qemuDump(g, scratch.resolve("qemu-" + rep + ".elf")));
                for (VmAcquisition.Mode mode : VmAcquisition.Mode.values()) {
                    Path out = scratch.resolve(mode + "-" + rep + ".elf");
                    long t0 = System.nanoTime();
                    VmAcquisition.Result r;
                    try (LiveVm vm = LiveVm.attach(new VmInventory().find(g.name()))) {
                        r = VmAcquisition.acquire(vm, out, ImageFormat.ELF_CORE, mode, (d, t) -> {});
                    }
                    double secs = (System.nanoTime() - t0) / 1e9;
                    rows.add(new Row("chirp " + mode.name().toLowerCase(), secs,
                            r.qemuPauseMicros() < 0 ? 0 : r.qemuPauseMicros() / 1000.0, Files.size(out)));
                    delete(out);
                }
            }
        }
        return rows;
    }

    private static Row qemuDump(LabGuest g, Path out) throws Exception {
        List<QmpClient.Event> events = new CopyOnWriteArrayList<>();
        long t0 = System.nanoTime();
        try (QmpClient q = QmpClient.connect(g.qmpSocket())) {
            q.onEvent(e -> { if (e.name().equals("STOP") || e.name().equals("RESUME")) events.add(e); });
            q.execute("dump-guest-memory", Map.of("paging", false, "protocol", "file:" + out), Duration.ofMinutes(5));
            q.status();
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        long pause = events.size() >= 2 ? events.getLast().timestampMicros() - events.getFirst().timestampMicros() : -1;
        long size = Files.size(out);
        delete(out);
        return new Row("qemu dump-guest-memory", secs, pause / 1000.0, size);
    }

    private static void delete(Path p) throws IOException {
        Files.deleteIfExists(p);
        Files.deleteIfExists(p.resolveSibling(p.getFileName() + ".manifest.json"));
    }
}
