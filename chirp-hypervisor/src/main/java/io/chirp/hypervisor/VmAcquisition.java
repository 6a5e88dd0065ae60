package io.chirp.hypervisor;

import io.chirp.core.ChirpException;
import io.chirp.hypervisor.migration.MigrationAcquisition;
import io.chirp.hypervisor.qemu.QmpClient;
import io.chirp.memory.ImageFormat;
import io.chirp.memory.acquire.AcquisitionManifest;
import io.chirp.memory.acquire.AcquisitionRequest;
import io.chirp.memory.acquire.MemoryAcquirer;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Memory acquisition of a running VM. {@link Mode#LIVE} never pauses the guest (QEMU's STOP events are watched
 * to prove it); {@link Mode#CONSISTENT} pauses it for exactly the copy, and QEMU's own STOP/RESUME timestamps
 * say how long.
 */
public final class VmAcquisition {
    /** How the image relates to the guest's execution. */
    public enum Mode {
        /** The guest keeps running: no pause, the image may be smeared (pages copied at different times). */
        LIVE,
        /** The guest is paused for the copy: one instant, at the cost of a pause as long as the copy. */
        CONSISTENT,
        /**
         * One instant, with a pause of milliseconds: QEMU's live migration streams RAM while the guest runs and
         * pauses it only for the last dirty pages.
         */
        MIGRATION
    }

    /**
     * The outcome.
     *
     * @param manifest      what was written, with its hash
     * @param stopEvents    QMP STOP events seen during the acquisition (0 for a live acquisition)
     * @param qemuPauseMicros pause measured between QEMU's STOP and RESUME event timestamps, -1 if not paused
     */
    public record Result(AcquisitionManifest manifest, int stopEvents, long qemuPauseMicros) {}

    private VmAcquisition() {}

    public static Result acquire(LiveVm vm, Path out, ImageFormat format, Mode mode, AcquisitionRequest.Progress progress) {
        if (mode == Mode.MIGRATION) return viaMigration(vm, out, format, progress);
        QmpClient qmp = vm.qmp().orElse(null);
        if (mode == Mode.CONSISTENT && qmp == null) {
            throw ChirpException.unavailable("a consistent image needs QMP to pause " + vm.vm().name());
        }
        List<QmpClient.Event> events = new CopyOnWriteArrayList<>();
        java.util.function.Consumer<QmpClient.Event> listener = e -> {
            if (e.name().equals("STOP") || e.name().equals("RESUME")) events.add(e);
        };
        if (qmp != null) qmp.onEvent(listener);
        try {
            return acquire(vm, out, format, mode, progress, qmp, events);
        } finally {
            if (qmp != null) qmp.removeListener(listener); // the QMP connection may be shared and outlive this call
        }
    }

    private static Result acquire(LiveVm vm, Path out, ImageFormat format, Mode mode, AcquisitionRequest.Progress progress,
                                  QmpClient qmp, List<QmpClient.Event> events) {
        Map<String, String> identity = identity(vm, qmp);
        AcquisitionRequest req = AcquisitionRequest.of(format).withVm(vm.vm().name(), identity).withProgress(progress);
        if (format == ImageFormat.ELF_CORE) {
            try {
                req = req.withCpus(vm.registers());
            } catch (ChirpException e) {
                identity.put("registers", "unavailable: " + e.getMessage());
            }
        }
        if (mode == Mode.CONSISTENT) {
            boolean wasRunning = "running".equals(qmp.status());
            if (!wasRunning) identity.put("note", "VM was already paused (" + qmp.status() + ")");
            req = req.withHooks(() -> { if (wasRunning) qmp.execute("stop", null); },
                    () -> { if (wasRunning) qmp.execute("cont", null); });
        }
        AcquisitionManifest m = MemoryAcquirer.acquire(vm.memory(), out, req);
        if (qmp != null) {
            try {
                qmp.status(); // a round trip, so events sent before it have been read
            } catch (ChirpException ignored) {
                // the VM may have gone; the image is complete all the same
            }
        }
        int stops = (int) events.stream().filter(e -> e.name().equals("STOP")).count();
        long pause = -1;
        QmpClient.Event stop = events.stream().filter(e -> e.name().equals("STOP")).findFirst().orElse(null);
        QmpClient.Event resume = events.stream().filter(e -> e.name().equals("RESUME")).reduce((a, b) -> b).orElse(null);
        if (stop != null && resume != null) pause = resume.timestampMicros() - stop.timestampMicros();
        if (mode == Mode.LIVE && stops > 0) {
            identity.put("warning", "the VM was paused by someone else during the copy");
        }
        identity.put("qmp_stop_events", Integer.toString(stops));
        if (pause >= 0) identity.put("pause_by_qemu_events_us", Long.toString(pause));
        AcquisitionManifest full = new AcquisitionManifest(m.image(), m.format(), m.vmName(), identity, m.started(),
                m.finished(), m.copyNanos(), m.mode(), m.pauseNanos(), m.layout(), m.size(), m.sha256(), m.vcpus(),
                m.tool(), m.toolVersion());
        try {
            Files.writeString(MemoryAcquirer.manifestPath(out), full.toJson());
        } catch (IOException e) {
            throw ChirpException.io("image written, but its manifest could not be: " + e.getMessage(), e);
        }
        return new Result(full, stops, pause);
    }

    private static Result viaMigration(LiveVm vm, Path out, ImageFormat format, AcquisitionRequest.Progress progress) {
        QmpClient qmp = vm.qmp().orElseThrow(() -> ChirpException.unavailable("migration capture needs QMP"));
        if (Files.exists(out)) throw ChirpException.usage(out + " exists; refusing to overwrite an image");
        Map<String, String> identity = identity(vm, qmp);
        Path parent = out.toAbsolutePath().getParent();
        try (MigrationAcquisition m = MigrationAcquisition.start(parent)) {
            MigrationAcquisition.Capture c = m.capture(vm);
            identity.put("capture", "QEMU live migration, " + c.summary().rounds() + " RAM rounds, "
                    + c.summary().pagesSent() + " pages sent, downtime limit " + MigrationAcquisition.DOWNTIME_LIMIT_MS + " ms");
            identity.put("pause_by_qemu_events_us", Long.toString(c.pauseMicros()));
            identity.put("machine", c.summary().machine());
            AcquisitionRequest req = AcquisitionRequest.of(format).withVm(vm.vm().name(), identity).withProgress(progress);
            if (format == ImageFormat.ELF_CORE) req = req.withCpus(c.cpus());
            AcquisitionManifest a = MemoryAcquirer.acquire(c.memory(), out, req);
            AcquisitionManifest full = new AcquisitionManifest(a.image(), a.format(), a.vmName(), identity, a.started(),
                    a.finished(), a.copyNanos(), "consistent-migration", c.pauseMicros() * 1000, a.layout(), a.size(),
                    a.sha256(), a.vcpus(), a.tool(), a.toolVersion());
            Files.writeString(MemoryAcquirer.manifestPath(out), full.toJson());
            return new Result(full, 1, c.pauseMicros());
        } catch (IOException e) {
            throw ChirpException.io("image written, but its manifest could not be: " + e.getMessage(), e);
        }
    }

    private static Map<String, String> identity(LiveVm vm, QmpClient qmp) {
        Map<String, String> id = new LinkedHashMap<>();
        id.put("vm_name", vm.vm().name());
        vm.vm().uuid().ifPresent(u -> id.put("uuid", u));
        id.put("qemu_pid", Long.toString(vm.vm().pid()));
        id.put("memory_path", vm.memoryPath().name());
        id.put("memory_source", vm.memory().describe());
        try {
            id.put("host", InetAddress.getLocalHost().getHostName());
        } catch (IOException e) {
            id.put("host", "unknown");
        }
        if (qmp != null) {
            id.put("qemu_version", qmp.qemuVersion());
            try {
                id.put("qemu_uuid", qmp.execute("query-uuid", null).path("UUID").asText());
            } catch (ChirpException ignored) {
                // older QEMU or no uuid: the name and pid identify it
            }
        }
        return id;
    }
}
