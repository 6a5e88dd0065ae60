package io.chirp.disk.live;

import io.chirp.core.OwnerOnly;
import com.fasterxml.jackson.databind.JsonNode;
import io.chirp.core.ChirpException;
import io.chirp.hypervisor.qemu.QemuMonitor;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a fleece leaves in QEMU when its CHIRP is killed (a {@code backup} block job, the overlay node, an NBD export
 * and server), and how the next CHIRP finds and removes it. Two sources, because either alone can miss something:
 * <ul>
 *   <li>names: every object a fleece creates is called {@code chirp-fleece-<pid>-<id>...}, so QEMU itself says
 *       which CHIRP process made it; the objects of a pid that no longer runs are stale;</li>
 *   <li>a record under {@code $CHIRP_HOME/fleece/}, written before each step (an intent log), naming the objects,
 *       the private folder and whether the NBD server was started: QEMU has no query that names an NBD server's
 *       owner, so only the record can say it was ours.</li>
 * </ul>
 * A process is judged gone when its pid does not run, or runs with a later start time than the record's (a reused
 * pid). Objects named for a pid that runs are never touched.
 */
final class FleeceRecords {
    static final String PREFIX = "chirp-fleece-";
    private static final Pattern NAME = Pattern.compile("chirp-fleece-(?:job-|export-)?(\\d+)-([0-9a-f]+)");

    private FleeceRecords() {}

    /** One fleece's intent record. */
    record Entry(Path file, long pid, Instant started, String qmp, String id, String dir, boolean nbdServer) {
        String node() { return PREFIX + pid + "-" + id; }
        String job() { return PREFIX + "job-" + pid + "-" + id; }
        String export() { return PREFIX + "export-" + pid + "-" + id; }
    }

    /** {@return $CHIRP_HOME/fleece (default ~/.cache/chirp/fleece)} */
    static Path folder() {
        return io.chirp.core.ChirpHome.resolve("fleece");
    }

    /** {@return a new record for this process's fleece {@code id} on the VM whose monitor channel is {@code qmp}} */
    static Entry create(String qmp, String id, Path dir) {
        ProcessHandle me = ProcessHandle.current();
        Instant started = me.info().startInstant().orElse(Instant.EPOCH);
        Path f = folder().resolve(me.pid() + "-" + id + ".properties");
        Entry e = new Entry(f, me.pid(), started, qmp, id, dir == null ? "" : dir.toString(), false);
        write(e);
        return e;
    }

    /** Writes {@code e} atomically (a record half written by a killed process must still parse). */
    static void write(Entry e) {
        try {
            OwnerOnly.directories(e.file().getParent());
            Properties p = new Properties();
            p.setProperty("pid", Long.toString(e.pid()));
            p.setProperty("started", e.started().toString());
            p.setProperty("qmp", e.qmp());
            p.setProperty("id", e.id());
            p.setProperty("dir", e.dir());
            p.setProperty("nbd_server", Boolean.toString(e.nbdServer()));
            Path tmp = e.file().resolveSibling(e.file().getFileName() + ".tmp");
            try (OutputStream os = Files.newOutputStream(tmp)) {
                p.store(os, "CHIRP fleece in progress: if this process is gone, the next `chirp disk --vm` on the VM cleans it up");
            }
            Files.move(tmp, e.file(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException ex) {
            throw ChirpException.io("cannot write the fleece record " + e.file() + ": " + ex.getMessage(), ex);
        }
    }

    static void delete(Entry e) {
        try {
            Files.deleteIfExists(e.file());
        } catch (IOException ignored) {
            // a leftover record of a live-then-exited process is cleaned up (as a no-op) next time
        }
    }

    private static List<Entry> readAll() {
        List<Entry> out = new ArrayList<>();
        Path dir = folder();
        if (!Files.isDirectory(dir)) return out;
        try (var s = Files.list(dir)) {
            for (Path f : s.filter(x -> x.getFileName().toString().endsWith(".properties")).toList()) {
                try (var in = Files.newInputStream(f)) {
                    Properties p = new Properties();
                    p.load(in);
                    out.add(new Entry(f, Long.parseLong(p.getProperty("pid")), Instant.parse(p.getProperty("started")),
                            p.getProperty("qmp", ""), p.getProperty("id", ""), p.getProperty("dir", ""),
                            Boolean.parseBoolean(p.getProperty("nbd_server"))));
                } catch (IOException | RuntimeException ex) {
                    // an unreadable record names nothing we could act on safely
                }
            }
        } catch (IOException ignored) {
            // no records: names alone still find stale objects
        }
        return out;
    }

    /** {@return true when the process that wrote a record (or named an object) no longer runs} */
    static boolean gone(long pid, Optional<Instant> started) {
        Optional<ProcessHandle> h = ProcessHandle.of(pid);
        if (h.isEmpty() || !h.get().isAlive()) return true;
        if (started.isEmpty()) return false;
        Optional<Instant> now = h.get().info().startInstant();
        // a process started after the record was written has reused the pid
        return now.isPresent() && now.get().isAfter(started.get().plusSeconds(1));
    }

    /**
     * Removes what dead CHIRP processes left in the QEMU behind {@code qmp}: {@return one line per object removed
     * or that could not be, for the operator}
     */
    static List<String> cleanStale(QemuMonitor qmp, String channel) {
        List<String> done = new ArrayList<>();
        String socket = channel;
        Set<String> exports = new LinkedHashSet<>(), jobs = new LinkedHashSet<>(), nodes = new LinkedHashSet<>();
        Set<Long> deadPids = new LinkedHashSet<>();
        List<Entry> stale = new ArrayList<>();
        for (Entry e : readAll()) {
            if (!gone(e.pid(), Optional.of(e.started()))) continue;
            if (!e.qmp().equals(socket)) {
                // a dead CHIRP's record for a VM that is gone too: its QEMU took the objects with it
                if (e.qmp().startsWith("/") && !Files.exists(Path.of(e.qmp()))) forget(e);
                continue;
            }
            stale.add(e);
            deadPids.add(e.pid());
        }
        for (JsonNode x : qmp.execute("query-block-exports", null)) collect(x.path("id").asText(), exports, deadPids);
        for (JsonNode x : qmp.execute("query-block-jobs", null)) collect(x.path("device").asText(), jobs, deadPids);
        for (JsonNode x : qmp.execute("query-named-block-nodes", null)) collect(x.path("node-name").asText(), nodes, deadPids);
        // a record's objects count even if the names scan did not find them (e.g. half made)
        boolean nbd = stale.stream().anyMatch(Entry::nbdServer) || !exports.isEmpty();
        if (exports.isEmpty() && jobs.isEmpty() && nodes.isEmpty() && !nbd && stale.isEmpty()) return done;
        String who = "CHIRP process" + (deadPids.size() == 1 ? " " : "es ")
                + String.join(", ", deadPids.stream().map(String::valueOf).toList()) + " (no longer running)";
        for (String x : exports) attempt(done, "NBD export " + x, () -> Fleece.exportDel(qmp, x));
        for (String x : jobs) attempt(done, "block job " + x, () -> Fleece.cancelJob(qmp, x));
        for (String x : nodes) attempt(done, "block node " + x, () -> Fleece.blockdevDel(qmp, x));
        if (nbd) attempt(done, "NBD server", () -> stopNbd(qmp));
        for (Entry e : stale) {
            if (!e.dir().isEmpty() && Path.of(e.dir()).getFileName().toString().startsWith("chirp-fleece-") && Files.isDirectory(Path.of(e.dir()))) {
                attempt(done, "folder " + e.dir(), () -> Fleece.deleteTree(Path.of(e.dir())));
            }
            delete(e);
        }
        if (done.isEmpty()) return done;
        List<String> out = new ArrayList<>();
        out.add("cleaned up a stale fleece left by " + who + ": " + String.join(", ", done));
        return out;
    }

    private static void forget(Entry e) {
        if (!e.dir().isEmpty() && Path.of(e.dir()).getFileName().toString().startsWith("chirp-fleece-")) {
            try {
                Fleece.deleteTree(Path.of(e.dir()));
            } catch (RuntimeException ignored) {
                // a leftover temporary folder is harmless
            }
        }
        delete(e);
    }

    private static void collect(String name, Set<String> into, Set<Long> deadPids) {
        if (!name.startsWith(PREFIX)) return;
        Matcher m = NAME.matcher(name);
        if (!m.matches()) return;
        long pid = Long.parseLong(m.group(1));
        if (deadPids.contains(pid) || gone(pid, Optional.empty())) {
            into.add(name);
            deadPids.add(pid);
        }
    }

    /** Stopping a server that is not running is an error in QMP; after a kill it may or may not be running. */
    private static void stopNbd(QemuMonitor qmp) {
        try {
            qmp.execute("nbd-server-stop", null);
        } catch (ChirpException e) {
            if (!String.valueOf(e.getMessage()).contains("not running")) throw e;
            throw new NotThere();
        }
    }

    /** Marks an object that was already gone: nothing to report. */
    private static final class NotThere extends RuntimeException {
        NotThere() { super(null, null, false, false); }
    }

    private static void attempt(List<String> done, String what, Runnable r) {
        try {
            r.run();
            done.add("removed " + what);
        } catch (NotThere e) {
            // nothing was left of it
        } catch (RuntimeException e) {
            done.add("could not remove " + what + " (" + e.getMessage() + ")");
        }
    }
}
