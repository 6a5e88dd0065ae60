package io.chirp.hypervisor;

import io.chirp.core.ChirpException;
import io.chirp.evidence.EvidenceWriter;
import io.chirp.hypervisor.migration.MigrationAcquisition;
import io.chirp.hypervisor.pause.PauseGuard;
import io.chirp.hypervisor.qemu.QmpClient;
import io.chirp.memory.ImageFormat;
import io.chirp.memory.acquire.AcquisitionManifest;
import io.chirp.memory.acquire.AcquisitionRequest;
import io.chirp.memory.acquire.MemoryAcquirer;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Memory acquisition of a running VM. {@link Mode#LIVE} never pauses the guest (QEMU's STOP events are watched
 * to prove it); {@link Mode#CONSISTENT} pauses it for exactly the copy, and QEMU's own STOP/RESUME timestamps
 * say how long. Whatever happens, a paused guest is resumed ({@link PauseGuard}), and an image whose VM
 * vanished during the copy says so in its manifest ({@code "complete": false}).
 */
public final class VmAcquisition {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(VmAcquisition.class);
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
        QmpClient.Subscription sub = qmp != null ? qmp.onEvent(listener) : null;
        try {
            return acquire(vm, out, format, mode, progress, qmp, events);
        } finally {
            if (sub != null) sub.close(); // the QMP connection may be shared and outlive this call
        }
    }

    private static Result acquire(LiveVm vm, Path out, ImageFormat format, Mode mode, AcquisitionRequest.Progress progress,
                                  QmpClient qmp, List<QmpClient.Event> events) {
        Map<String, String> identity = identity(vm, qmp);
        Optional<ProcessHandle> qemu = ProcessHandle.of(vm.vm().pid());
        AcquisitionRequest req = AcquisitionRequest.of(format).withVm(vm.vm().name(), identity)
                .withSource(backend(vm), mode.name().toLowerCase(Locale.ROOT)).withProgress(progress);
        List<String> notes = new ArrayList<>();
        if (format == ImageFormat.ELF_CORE) {
            try {
                req = req.withCpus(vm.registers());
            } catch (ChirpException e) {
                notes.add("vCPU registers unavailable: " + e.getMessage());
            }
        }
        int[] stops = {0};
        long[] pause = {-1};
        req = req.withBeforeCommit(d -> {
            if (qmp != null && !qmp.isClosed()) {
                try {
                    qmp.status(); // a round trip, so events sent before it have been read
                } catch (ChirpException ignored) {
                    // the VM may have gone: judged below
                }
            }
            stops[0] = (int) events.stream().filter(e -> e.name().equals("STOP")).count();
            QmpClient.Event stop = events.stream().filter(e -> e.name().equals("STOP")).findFirst().orElse(null);
            QmpClient.Event resume = events.stream().filter(e -> e.name().equals("RESUME")).reduce((x, y) -> y).orElse(null);
            if (stop != null && resume != null) pause[0] = resume.timestampMicros() - stop.timestampMicros();
            for (String n : notes) d = d.withNote(n);
            if (mode == Mode.CONSISTENT && pause[0] >= 0) {
                d = d.withNote(String.format(Locale.ROOT, "VM paused %.1f ms (QEMU's STOP..RESUME events)", pause[0] / 1000.0));
            }
            if (mode == Mode.LIVE && stops[0] > 0) d = d.withNote("the VM was paused by someone else during the copy");
            d = d.withDetail("qmp_stop_events", stops[0]);
            if (pause[0] >= 0) d = d.withDetail("pause_by_qemu_events_us", pause[0]);
            Optional<String> gone = vanished(vm, qemu, qmp);
            return gone.isPresent() ? d.incomplete(gone.get()) : d;
        });
        try (PauseGuard guard = mode == Mode.CONSISTENT
                ? PauseGuard.forPause(vm.vm(), qmp, "acquire --consistent", true) : null) {
            if (guard != null) {
                guard.notes().forEach(n -> log.warn("{}", n));
                if (!guard.wasRunning()) {
                    notes.add("VM was already paused (" + qmp.status() + ") before CHIRP; it was left paused");
                }
                req = req.withHooks(guard::pause, guard::resume);
            }
            AcquisitionManifest m = MemoryAcquirer.acquire(vm.memory(), out, req);
            return new Result(m, stops[0], pause[0]);
        } catch (ChirpException e) {
            Optional<String> gone = vanished(vm, qemu, qmp);
            if (gone.isPresent() && e.kind() != ChirpException.Kind.USAGE) {
                throw ChirpException.unavailable(gone.get() + "; no image was written (" + e.getMessage() + ")");
            }
            throw e;
        }
    }

    /** {@return why the source is gone, if QEMU exited (or its QMP connection dropped) during the acquisition} */
    private static Optional<String> vanished(LiveVm vm, Optional<ProcessHandle> qemu, QmpClient qmp) {
        if (qemu.isEmpty() || !running(qemu.get())) {
            return Optional.of("source vanished: QEMU pid " + vm.vm().pid() + " (VM " + vm.vm().name()
                    + ") exited during the acquisition; pages copied after that hold the RAM as QEMU left it");
        }
        if (qmp != null && qmp.isClosed()) {
            return Optional.of("source may have vanished: the QMP connection to VM " + vm.vm().name()
                    + " dropped during the acquisition");
        }
        return Optional.empty();
    }

    /**
     * {@return whether the process runs} A QEMU killed outright stays a zombie until its parent reaps it (init, for
     * a daemonized QEMU, may take its time), and ProcessHandle counts a zombie as alive: /proc says which it is.
     */
    static boolean running(ProcessHandle h) {
        if (!h.isAlive()) return false;
        try {
            String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc", Long.toString(h.pid()), "stat"));
            int close = stat.lastIndexOf(')');
            char state = close > 0 && close + 2 < stat.length() ? stat.charAt(close + 2) : '?';
            return state != 'Z' && state != 'X';
        } catch (java.io.IOException e) {
            return false; // gone between the two looks
        }
    }

    private static String backend(LiveVm vm) {
        return "qemu/" + vm.memoryPath().name().toLowerCase(Locale.ROOT);
    }

    private static Result viaMigration(LiveVm vm, Path out, ImageFormat format, AcquisitionRequest.Progress progress) {
        QmpClient qmp = vm.qmp().orElseThrow(() -> ChirpException.unavailable("migration capture needs QMP"));
        // fail before a migration of minutes if the image could not be written anyway
        if (Files.exists(out) || Files.exists(EvidenceWriter.partialOf(out.toAbsolutePath()))) {
            throw ChirpException.usage(out + " (or its .partial) exists; refusing to overwrite an image");
        }
        Map<String, String> identity = identity(vm, qmp);
        try (MigrationAcquisition m = MigrationAcquisition.start(vm)) {
            return fromMigration(m, vm.vm().name(), identity, "qemu/migration", out, format, progress);
        }
    }

    /**
     * Captures through {@code m} (a live migration into CHIRP) and writes the image of that instant: the shared end
     * of every back-end's {@link Mode#MIGRATION}.
     *
     * @param sourceLabel the manifest's source, e.g. {@code qemu/migration} or {@code libvirt/migration}
     */
    public static Result fromMigration(MigrationAcquisition m, String vmName, Map<String, String> identity,
                                       String sourceLabel, Path out, ImageFormat format,
                                       AcquisitionRequest.Progress progress) {
        if (Files.exists(out) || Files.exists(EvidenceWriter.partialOf(out.toAbsolutePath()))) {
            throw ChirpException.usage(out + " (or its .partial) exists; refusing to overwrite an image");
        }
        MigrationAcquisition.Capture c = m.capture(format == ImageFormat.ELF_CORE, progress);
        AcquisitionRequest req = AcquisitionRequest.of(format).withVm(vmName, identity)
                .withSource(sourceLabel, "migration").withProgress(progress)
                .withBeforeCommit(d -> d
                        .withNote(String.format(Locale.ROOT, "VM paused %.1f ms (QEMU's STOP..RESUME events at the"
                                + " end of the migration); the image is RAM as of that pause", c.pauseMicros() / 1000.0))
                        .withNote("captured by QEMU live migration: " + c.summary().rounds() + " RAM rounds, "
                                + c.summary().pagesSent() + " pages sent, downtime limit "
                                + MigrationAcquisition.DOWNTIME_LIMIT_MS + " ms")
                        .withDetail("pause_by_qemu_events_us", c.pauseMicros())
                        .withDetail("migration_rounds", c.summary().rounds())
                        .withDetail("migration_pages_sent", c.summary().pagesSent())
                        .withDetail("migration_total_ms", c.totalMillis())
                        .withDetail("machine", c.summary().machine()));
        if (format == ImageFormat.ELF_CORE) req = req.withCpus(c.cpus());
        AcquisitionManifest a = MemoryAcquirer.acquire(c.memory(), out, req);
        return new Result(a, 1, c.pauseMicros());
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
