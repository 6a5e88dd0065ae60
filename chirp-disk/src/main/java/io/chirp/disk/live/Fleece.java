package io.chirp.disk.live;

import io.chirp.core.OwnerOnly;
import io.chirp.core.ChirpException;
import io.chirp.disk.HostTool;
import io.chirp.disk.block.BlockSource;
import io.chirp.disk.block.NbdExport;
import io.chirp.hypervisor.qemu.QemuMonitor;
import io.chirp.hypervisor.qemu.QmpClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A point-in-time, read-only view of a running VM's disk through QEMU fleecing (see the package doc for the
 * steps). The QMP connection is held for the fleece's whole life: QMP serves one client at a time, and giving it up
 * could leave us unable to remove an overlay that grows with every guest write. Close it promptly.
 */
public final class Fleece implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Fleece.class);
    private static final Duration QEMU_IMG = Duration.ofSeconds(60);

    private final QemuMonitor qmp;
    private final BlockDevice device;
    private final Path dir;
    private final Instant takenAt;
    private final String exportName;
    private final Path nbdSocket;
    private final Deque<Step> undo;
    private final NbdExport source;
    private final List<String> teardownProblems = new ArrayList<>();
    private final List<String> cleanedUp;
    private final FleeceRecords.Entry record;
    private boolean closed;

    /** One thing set up, with how to undo it. */
    private record Step(String what, Runnable undo) {}

    private Fleece(QemuMonitor qmp, BlockDevice device, Path dir, Instant takenAt, String exportName, Path nbdSocket,
                   Deque<Step> undo, NbdExport source, List<String> cleanedUp, FleeceRecords.Entry record) {
        this.cleanedUp = List.copyOf(cleanedUp);
        this.record = record;
        this.qmp = qmp;
        this.device = device;
        this.dir = dir;
        this.takenAt = takenAt;
        this.exportName = exportName;
        this.nbdSocket = nbdSocket;
        this.undo = undo;
        this.source = source;
    }

    /**
     * Fleeces the disk {@code wanted} (node name, device name or qdev id; the first disk when empty) of the VM whose
     * QMP socket is {@code qmpSocket}.
     */
    public static Fleece open(Path qmpSocket, Optional<String> wanted) {
        QmpClient qmp;
        try {
            qmp = QmpClient.connect(qmpSocket);
        } catch (ChirpException e) {
            throw ChirpException.unavailable(e.getMessage() + " (QMP serves one client at a time: close any other "
                    + "monitor on this VM, e.g. a running `chirp` command or socat, and retry)");
        }
        return open(qmp, wanted);
    }

    /**
     * Fleeces the disk {@code wanted} of a VM whose QEMU monitor is {@code qmp} (a QMP connection, or a back-end's
     * passthrough such as libvirt's), and takes over that handle: the fleece closes it.
     */
    public static Fleece open(QemuMonitor qmp, Optional<String> wanted) {
        String channel = qmp.channel();
        Deque<Step> undo = new ArrayDeque<>();
        String id = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        Path dir = null;
        FleeceRecords.Entry rec = null;
        List<String> cleaned;
        try {
            // what a killed CHIRP left behind would make every later fleece fail ("Node is busy", "NBD server already
            // running"): remove it first, and say so
            cleaned = FleeceRecords.cleanStale(qmp, channel); // the caller reports it (cleanedUp())
        } catch (RuntimeException e) {
            qmp.close();
            throw e;
        }
        try {
            List<BlockDevice> devices = BlockDevice.fromQueryBlock(qmp.execute("query-block", null));
            BlockDevice dev = BlockDevice.pick(devices, wanted).orElseThrow(() -> ChirpException.notFound(
                    "no block device " + wanted.orElse("(any)") + " on this VM; it has: "
                            + devices.stream().map(d -> d.nodeName() + " (" + d.qdev() + ")").toList()));
            dir = OwnerOnly.tempDir("chirp-fleece-");
            Path tmp = dir;
            undo.push(new Step("delete " + tmp, () -> deleteTree(tmp)));
            // the intent record is written before QEMU is touched, and kept until everything is undone
            rec = FleeceRecords.create(channel, id, dir);
            String node = rec.node(), job = rec.job(), export = rec.export();
            Path overlay = dir.resolve("fleece.qcow2");
            HostTool.text(QEMU_IMG, "qemu-img", "create", "-q", "-f", "qcow2", overlay.toString(), Long.toString(dev.virtualSize()));
            qmp.execute("blockdev-add", Map.of("driver", "qcow2", "node-name", node, "read-only", false,
                    "file", Map.of("driver", "file", "filename", overlay.toString()), "backing", dev.nodeName()));
            undo.push(new Step("blockdev-del " + node, () -> blockdevDel(qmp, node)));
            Instant takenAt = Instant.now();
            qmp.execute("blockdev-backup", Map.of("job-id", job, "device", dev.nodeName(), "target", node, "sync", "none"));
            undo.push(new Step("block-job-cancel " + job, () -> cancelJob(qmp, job)));
            Path sock = dir.resolve("nbd.sock");
            rec = new FleeceRecords.Entry(rec.file(), rec.pid(), rec.started(), rec.qmp(), rec.id(), rec.dir(), true);
            FleeceRecords.write(rec);
            try {
                qmp.execute("nbd-server-start", Map.of("addr", Map.of("type", "unix", "data", Map.of("path", sock.toString()))));
            } catch (ChirpException e) {
                throw ChirpException.unavailable(e.getMessage() + " (an NBD server already runs in this QEMU? CHIRP needs its own)");
            }
            undo.push(new Step("nbd-server-stop", () -> qmp.execute("nbd-server-stop", null)));
            qmp.execute("block-export-add", Map.of("type", "nbd", "id", export, "node-name", node, "name", export, "writable", false));
            undo.push(new Step("block-export-del " + export, () -> exportDel(qmp, export)));
            NbdExport nbd = NbdExport.connect(sock, export);
            undo.push(new Step("NBD disconnect", nbd::close));
            return new Fleece(qmp, dev, dir, takenAt, export, sock, undo, nbd, cleaned, rec);
        } catch (IOException e) {
            List<String> problems = unwind(undo);
            if (problems.isEmpty() && rec != null) FleeceRecords.delete(rec);
            qmp.close();
            throw ChirpException.io("cannot create a fleece directory: " + e.getMessage() + problemSuffix(problems), e);
        } catch (RuntimeException e) {
            List<String> problems = unwind(undo);
            if (problems.isEmpty() && rec != null) FleeceRecords.delete(rec);
            qmp.close();
            if (!problems.isEmpty() && e instanceof ChirpException ce) {
                throw new ChirpException(ce.kind(), ce.getMessage() + problemSuffix(problems), ce);
            }
            throw e;
        }
    }

    /** {@return the point-in-time, read-only disk} */
    public BlockSource source() { return source; }

    /** {@return the fleeced device} */
    public BlockDevice device() { return device; }

    /** {@return when the backup job started: the instant the view shows (to within QMP latency)} */
    public Instant takenAt() { return takenAt; }

    /** {@return the NBD socket (inside a private directory) and export name, for tools like qemu-img} */
    public Path nbdSocket() { return nbdSocket; }

    public String exportName() { return exportName; }

    /** {@return an nbd+unix URI of the export, for qemu-img and nbdinfo} */
    public String nbdUri() { return "nbd+unix:///" + exportName + "?socket=" + nbdSocket; }

    /** {@return the private temporary directory holding the overlay and socket} */
    public Path directory() { return dir; }

    /** {@return what was cleaned up, left by CHIRP processes that were killed, before this fleece was made} */
    public List<String> cleanedUp() { return cleanedUp; }

    /** {@return steps that failed during {@link #close()}, empty when the VM was left as found} */
    public List<String> teardownProblems() { return List.copyOf(teardownProblems); }

    /** Tears everything down in reverse order; every step is attempted even if an earlier one failed. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        teardownProblems.addAll(unwind(undo));
        // a record outlives a failed teardown: the next CHIRP on this VM retries once this process is gone
        if (teardownProblems.isEmpty()) FleeceRecords.delete(record);
        qmp.close();
        for (String p : teardownProblems) LOG.warn("fleece teardown on {}: {}", device.nodeName(), p);
    }

    private static List<String> unwind(Deque<Step> undo) {
        List<String> problems = new ArrayList<>();
        while (!undo.isEmpty()) {
            Step s = undo.pop();
            try {
                s.undo().run();
            } catch (RuntimeException e) {
                problems.add(s.what() + ": " + e.getMessage());
            }
        }
        return problems;
    }

    private static String problemSuffix(List<String> problems) {
        return problems.isEmpty() ? "" : "; cleanup also failed: " + String.join("; ", problems);
    }

    /** Export removal is asynchronous: wait until the export is gone so the node is free to delete. */
    static void exportDel(QemuMonitor qmp, String export) {
        qmp.clearEvents();
        qmp.execute("block-export-del", Map.of("id", export, "mode", "hard"));
        waitUntil(() -> {
            for (var e : qmp.execute("query-block-exports", null)) if (e.path("id").asText().equals(export)) return false;
            return true;
        }, "export " + export + " to go away");
    }

    static void cancelJob(QemuMonitor qmp, String job) {
        qmp.execute("block-job-cancel", Map.of("device", job, "force", true));
        waitUntil(() -> {
            for (var j : qmp.execute("query-block-jobs", null)) if (j.path("device").asText().equals(job)) return false;
            return true;
        }, "job " + job + " to end");
    }

    static void blockdevDel(QemuMonitor qmp, String node) {
        ChirpException last = null;
        // the job may still hold the node for a moment after it reports cancelled
        for (int i = 0; i < 50; i++) {
            try {
                qmp.execute("blockdev-del", Map.of("node-name", node));
                return;
            } catch (ChirpException e) {
                last = e;
                sleep(100);
            }
        }
        throw last;
    }

    private static void waitUntil(java.util.function.BooleanSupplier done, String what) {
        for (int i = 0; i < 100; i++) {
            if (done.getAsBoolean()) return;
            sleep(100);
        }
        throw ChirpException.unavailable("timed out waiting for " + what);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ChirpException(ChirpException.Kind.INTERRUPTED, "interrupted during fleece teardown");
        }
    }

    static void deleteTree(Path dir) {
        try (var s = Files.walk(dir)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException e) {
            throw ChirpException.io("cannot delete " + dir + ": " + e.getMessage(), e);
        }
    }
}
