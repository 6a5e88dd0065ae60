package io.chirp.hypervisor.pause;

import com.fasterxml.jackson.databind.JsonNode;
import io.chirp.core.ChirpException;
import io.chirp.hypervisor.qemu.QemuMonitor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Undoes what a {@link PauseMarker} says CHIRP did, and nothing more: cancels CHIRP's migration, puts the
 * migration settings back, resumes the guest only if it ran before, removes the scratch folder. Idempotent, so
 * the normal path, the shutdown hook, the guardian and {@code chirp vm resume} can all run it.
 */
public final class PauseRecovery {
    /** Migration states in which a migration is still going (QEMU's MigrationStatus). */
    private static final Set<String> MIGRATING = Set.of("setup", "active", "pre-switchover", "device",
            "postcopy-active", "postcopy-paused", "postcopy-recover", "wait-unplug", "cancelling", "colo");
    private static final Duration STEP = Duration.ofSeconds(10);
    /** The only folders recovery deletes: named by CHIRP, under its state folder (a marker is not trusted further). */
    public static final String SCRATCH_PREFIX = "chirp-migration-";

    private PauseRecovery() {}

    /** {@return $CHIRP_HOME/state/scratch, where migration captures keep their scratch folders} */
    public static Path scratchRoot() {
        return PauseMarker.stateDir().resolve("scratch");
    }

    /**
     * Puts the VM back as the marker says it was, over {@code qmp}, then removes the scratch folder and the marker.
     *
     * @return what was done, in words, in order (empty if nothing needed doing)
     */
    public static List<String> recover(QemuMonitor qmp, PauseMarker m) {
        List<String> done = restoreVm(qmp, m);
        done.addAll(finish(m));
        return done;
    }

    /**
     * Puts the VM's run state and migration settings back as the marker says they were; files are left.
     *
     * @return what was done, in words, in order
     */
    public static List<String> restoreVm(QemuMonitor qmp, PauseMarker m) {
        List<String> done = new ArrayList<>();
        if (m.kind() == PauseMarker.Kind.MIGRATION) {
            String st = migrationStatus(qmp);
            if (MIGRATING.contains(st)) {
                qmp.execute("migrate_cancel", null, STEP);
                done.add("cancelled CHIRP's migration (was " + st + ")");
                long deadline = System.nanoTime() + STEP.toNanos();
                while (MIGRATING.contains(migrationStatus(qmp)) && System.nanoTime() < deadline) sleep(50);
            }
            // settings can only change once no migration runs
            if (!m.migrationParameters().isEmpty()) {
                qmp.execute("migrate-set-parameters", Map.copyOf(m.migrationParameters()), STEP);
                done.add("migration parameters restored " + new java.util.TreeMap<>(m.migrationParameters()));
            }
            if (m.eventsCapability() != null) {
                qmp.execute("migrate-set-capabilities", Map.of("capabilities",
                        List.of(Map.of("capability", "events", "state", m.eventsCapability()))), STEP);
                done.add("migration capability events=" + m.eventsCapability() + " restored");
            }
        }
        if (m.wasRunning()) {
            String status = status(qmp);
            long deadline = System.nanoTime() + STEP.toNanos();
            // finish-migrate is a moment inside QEMU: it ends in postmigrate, or running if the migration failed
            while (status.equals("finish-migrate") && System.nanoTime() < deadline) {
                sleep(20);
                status = status(qmp);
            }
            if (status.equals("paused") || status.equals("postmigrate") || status.equals("finish-migrate")) {
                qmp.execute("cont", null, STEP);
                done.add("resumed the guest (was " + status + ")");
            }
        }
        return done;
    }

    /** Removes the marker's scratch folder and the marker itself: the VM needs nothing more. */
    public static List<String> finish(PauseMarker m) {
        List<String> done = new ArrayList<>();
        String scratch = removeScratch(m.scratch());
        if (scratch != null) done.add(scratch);
        m.delete();
        return done;
    }

    /** What to do when the VM itself is gone: only the files are left to clean. */
    public static List<String> forget(PauseMarker m) {
        List<String> done = finish(m);
        done.add(m.onLibvirt() ? "domain " + m.vm() + " is gone; nothing to resume"
                : "QEMU pid " + m.qemuPid() + " is gone; nothing to resume");
        return done;
    }

    /**
     * Removes scratch folders left by CHIRP processes that no longer run (killed outright, guardian failed too).
     *
     * @return one line per folder removed
     */
    public static List<String> sweepStaleScratch() {
        List<String> out = new ArrayList<>();
        Path root = scratchRoot();
        if (!Files.isDirectory(root)) return out;
        try (Stream<Path> s = Files.list(root)) {
            for (Path d : s.toList()) {
                String name = d.getFileName().toString();
                if (!name.startsWith(SCRATCH_PREFIX)) continue;
                long pid = ownerPid(name);
                if (pid <= 0 || ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) continue;
                String r = removeScratch(d);
                if (r != null) out.add(r + " (left by CHIRP pid " + pid + ", which is gone)");
            }
        } catch (IOException e) {
            out.add("could not list " + root + ": " + e.getMessage());
        }
        return out;
    }

    /** {@return the pid in a scratch folder name "chirp-migration-VM-PID-RANDOM", or -1} */
    static long ownerPid(String folderName) {
        String[] parts = folderName.split("-");
        if (parts.length < 4) return -1;
        try {
            return Long.parseLong(parts[parts.length - 2]);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static String removeScratch(Path dir) {
        if (dir == null || !Files.exists(dir)) return null;
        Path root = scratchRoot().toAbsolutePath().normalize();
        Path d = dir.toAbsolutePath().normalize();
        if (!d.getParent().equals(root) || !d.getFileName().toString().startsWith(SCRATCH_PREFIX)) {
            return "left " + dir + " alone: not a CHIRP scratch folder under " + root;
        }
        long bytes = 0;
        try (Stream<Path> s = Files.walk(d)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                if (Files.isRegularFile(p)) bytes += Files.size(p);
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            return "could not remove scratch folder " + d + ": " + e.getMessage();
        }
        return "removed scratch folder " + d + " (" + (bytes >> 20) + " MiB)";
    }

    private static String migrationStatus(QemuMonitor qmp) {
        JsonNode r = qmp.execute("query-migrate", null, STEP);
        return r.path("status").asText("none");
    }

    private static String status(QemuMonitor qmp) {
        return qmp.execute("query-status", null, STEP).path("status").asText();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ChirpException(ChirpException.Kind.INTERRUPTED, "interrupted while restoring the VM");
        }
    }
}
