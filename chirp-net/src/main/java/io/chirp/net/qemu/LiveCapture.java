package io.chirp.net.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import io.chirp.core.ChirpException;
import io.chirp.core.OwnerOnly;
import io.chirp.hypervisor.QemuVm;
import io.chirp.hypervisor.backend.Capability;
import io.chirp.hypervisor.backend.VmHandle;
import io.chirp.hypervisor.qemu.QemuMonitor;
import io.chirp.hypervisor.qemu.QmpClient;
import io.chirp.evidence.EvidenceManifest;
import io.chirp.net.pcap.CaptureExport;
import io.chirp.net.pcap.CaptureFormat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Captures a running QEMU VM's traffic from the hypervisor side: a {@code filter-dump} object is added to the VM's
 * netdev over QMP and removed afterwards. The filter sits between the guest's NIC and its backend, so the guest
 * sees no change at all: no new device, no promiscuous mode, no changed timing it could measure cheaply.
 *
 * <p>QMP serves one client at a time. A capture holds its own connection from start to stop: that guarantees the
 * filter can always be removed (no other client can take the monitor in between), at the price of keeping other
 * QMP users out while it runs. A busy monitor fails {@link #start} with an UNAVAILABLE error that says so.
 *
 * <p>QEMU writes the pcap into a private temporary folder (mode 0700) that must be writable by the QEMU process
 * (true when CHIRP runs as QEMU's user or root); {@link #stop} turns it into evidence and deletes the folder.
 */
public final class LiveCapture implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LiveCapture.class);
    /** Bytes kept per frame: the largest frame virtio-net hands over with offloads, so nothing is sliced. */
    public static final int SNAP_LENGTH = 65_536;
    /** Every filter CHIRP adds is named {@code chirp-dump-PID-RANDOM}. */
    public static final String FILTER_PREFIX = "chirp-dump-";
    private static final Pattern STALE_ID = Pattern.compile(Pattern.quote(FILTER_PREFIX) + "(\\d{1,10})-[0-9a-f]{1,16}");

    private final String vmName;
    private final String netdev;
    private final QemuMonitor qmp;
    private final String filterId;
    private final Path dir;
    private final Path file;
    private final Instant started;
    private final List<String> cleanedUp;
    private boolean stopped;

    private LiveCapture(String vmName, String netdev, QemuMonitor qmp, String filterId, Path dir, Path file,
                        List<String> cleanedUp) {
        this.cleanedUp = List.copyOf(cleanedUp);
        this.vmName = vmName;
        this.netdev = netdev;
        this.qmp = qmp;
        this.filterId = filterId;
        this.dir = dir;
        this.file = file;
        this.started = Instant.now();
    }

    /** Starts capturing on the VM's only netdev (or fails naming them all when it has several). */
    public static LiveCapture start(QemuVm vm) {
        List<String> ids = QemuNics.netdevIds(vm.argv());
        if (ids.isEmpty()) throw ChirpException.unavailable("VM " + vm.name() + " has no -netdev to capture on");
        if (ids.size() > 1) throw ChirpException.usage("VM " + vm.name() + " has several netdevs " + ids + "; name one");
        Path socket = vm.qmpSocket().orElseThrow(() ->
                ChirpException.unavailable("VM " + vm.name() + " has no QMP socket: network capture needs one"));
        return start(vm.name(), socket, ids.getFirst());
    }

    /** Starts capturing on netdev {@code netdev} of the VM whose QMP socket is {@code qmpSocket}. */
    public static LiveCapture start(String vmName, Path qmpSocket, String netdev) {
        QmpClient qmp;
        try {
            qmp = QmpClient.connect(qmpSocket);
        } catch (ChirpException e) {
            throw new ChirpException(ChirpException.Kind.UNAVAILABLE, "cannot capture " + vmName
                    + ": its QMP monitor is busy or unreachable (QMP serves one client at a time): " + e.getMessage(), e);
        }
        return start(vmName, qmp, netdev);
    }

    /**
     * Starts capturing on {@code netdev} (its only NIC when empty) of {@code vm}, of any back-end that declares
     * {@link Capability#TRAFFIC_CAPTURE}: the filter goes in through the VM's QEMU monitor.
     */
    public static LiveCapture start(VmHandle vm, Optional<String> netdev) {
        vm.require(Capability.TRAFFIC_CAPTURE);
        String name = vm.identity().name();
        String id = netdev.orElseGet(() -> {
            List<VmHandle.Nic> nics = vm.nics();
            if (nics.isEmpty()) throw ChirpException.unavailable("VM " + name + " has no netdev to capture on");
            if (nics.size() > 1) throw ChirpException.usage("VM " + name + " has several netdevs "
                    + nics.stream().map(VmHandle.Nic::netdev).toList() + "; name one with --netdev");
            return nics.getFirst().netdev();
        });
        QemuMonitor mon;
        try {
            mon = vm.openMonitor();
        } catch (ChirpException e) {
            throw new ChirpException(ChirpException.Kind.UNAVAILABLE, "cannot capture " + name
                    + ": its QEMU monitor is busy or unreachable: " + e.getMessage(), e);
        }
        return start(name, mon, id);
    }

    /** Starts capturing on {@code netdev} through the QEMU monitor {@code qmp}, taking over that handle. */
    public static LiveCapture start(String vmName, QemuMonitor qmp, String netdev) {
        Path dir = null;
        try {
            // a filter a killed CHIRP left keeps writing the guest's traffic to a file on the host: remove it first
            List<String> cleaned = cleanStale(qmp, vmName);
            dir = OwnerOnly.tempDir("chirp-capture-");
            Path file = dir.resolve("capture.pcap");
            // named after this process, so the next capture can tell a dead CHIRP's filter from a running one's
            String id = FILTER_PREFIX + ProcessHandle.current().pid() + "-"
                    + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
            Map<String, Object> args = new LinkedHashMap<>();
            args.put("qom-type", "filter-dump");
            args.put("id", id);
            args.put("netdev", netdev);
            args.put("queue", "all");
            args.put("file", file.toString());
            args.put("maxlen", SNAP_LENGTH);
            try {
                qmp.execute("object-add", args);
            } catch (ChirpException e) {
                throw new ChirpException(e.kind(), "cannot add a capture filter on netdev '" + netdev + "' of " + vmName
                        + " (QEMU must be able to write " + dir + "): " + e.getMessage(), e);
            }
            log.info("capturing {} netdev {} into {}", vmName, netdev, file);
            return new LiveCapture(vmName, netdev, qmp, id, dir, file, cleaned);
        } catch (IOException e) {
            qmp.close();
            throw ChirpException.io("cannot create a private folder for the capture: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            qmp.close();
            deleteQuietly(dir);
            throw e;
        }
    }

    /** {@return what was cleaned up before this capture started: filters left by CHIRP processes that were killed} */
    public List<String> cleanedUp() { return cleanedUp; }

    /**
     * Removes the {@code filter-dump} objects that CHIRP processes no longer running left in this QEMU (a capture
     * killed with SIGKILL cannot remove its own), and the unfinished capture each was writing into CHIRP's private
     * folder: it has no manifest and is not evidence, and it holds the guest's traffic. {@return one line per
     * object, for the operator}
     */
    static List<String> cleanStale(QemuMonitor qmp, String vmName) {
        List<String> done = new ArrayList<>();
        JsonNode objects;
        try {
            objects = qmp.execute("qom-list", Map.of("path", "/objects"));
        } catch (ChirpException e) {
            return done; // a monitor without QOM listing (or a VM going away): nothing we can find
        }
        for (JsonNode o : objects) {
            String id = o.path("name").asText("");
            Matcher m = STALE_ID.matcher(id);
            if (!m.matches()) continue;
            long pid = Long.parseLong(m.group(1));
            if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) continue; // a running capture's
            String file = "";
            try {
                file = qmp.execute("qom-get", Map.of("path", "/objects/" + id, "property", "file")).asText("");
            } catch (ChirpException ignored) {
                // the name alone is enough to remove it
            }
            try {
                qmp.execute("object-del", Map.of("id", id));
            } catch (ChirpException e) {
                done.add("could not remove capture filter " + id + " left on " + vmName + " by killed CHIRP pid " + pid
                        + " (remove it with QMP object-del): " + e.getMessage());
                continue;
            }
            String line = "removed capture filter " + id + " left on " + vmName + " by killed CHIRP pid " + pid;
            Path f = file.isEmpty() ? null : Path.of(file);
            Path folder = f == null ? null : f.getParent();
            if (folder != null && folder.getParent() != null
                    && folder.getParent().equals(Path.of(System.getProperty("java.io.tmpdir")))
                    && folder.getFileName().toString().startsWith("chirp-capture-")) {
                deleteQuietly(folder);
                line += "; its unfinished capture " + f + " (no manifest, not evidence) was deleted";
            } else if (f != null) {
                line += "; it was writing " + f;
            }
            done.add(line);
        }
        return done;
    }

    /** {@return true once stopped (by {@link #stop} or {@link #close})} */
    public synchronized boolean stopped() { return stopped; }

    /** {@return the netdev being captured} */
    public String netdev() { return netdev; }

    /** {@return how many bytes QEMU has written so far (the pcap header alone is 24)} */
    public long bytesSoFar() {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return 0;
        }
    }

    /** Captures for {@code duration}, then stops and writes {@code output}. */
    public CaptureResult captureFor(Duration duration, Path output, CaptureFormat format) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // stop early, keep what we have
        }
        return stop(output, format);
    }

    /**
     * Removes the filter, closes QMP, and writes the capture to {@code output} (a new file) in {@code format},
     * hashed. Safe to call once; later calls fail.
     */
    public synchronized CaptureResult stop(Path output, CaptureFormat format) {
        if (stopped) throw ChirpException.usage("capture of " + vmName + " already stopped");
        removeFilter();
        Instant stoppedAt = Instant.now();
        try {
            if (!Files.isRegularFile(file)) throw ChirpException.unavailable("QEMU wrote no capture file for " + vmName);
            // QEMU's timestamps run on its virtual clock: measured against the host's on the finished file
            Optional<QemuDumpClock.Offset> clock = QemuDumpClock.measure(file);
            long shift = clock.map(QemuDumpClock.Offset::nanos).orElse(0L);
            List<String> notes = new ArrayList<>(List.of("captured from the hypervisor side (QEMU filter-dump on netdev "
                    + netdev + ") from " + started + " to " + stoppedAt + "; the guest cannot see it"));
            Map<String, Object> details = new LinkedHashMap<>();
            clock.ifPresent(c -> {
                notes.add("timestamps are host UTC: QEMU stamps packets with its virtual clock plus the host's second at"
                        + " the filter's creation (net/dump.c); each was moved back by " + seconds(c.nanos()) + " s, QEMU's"
                        + " last record (" + c.lastPacket() + ") less the host time QEMU wrote it (the file's mtime, "
                        + c.lastWrite() + "). Precise to a kernel tick; if the VM was paused during the capture, packets"
                        + " before the pause are earlier by its length. QEMU's own value = timestamp + this offset.");
                details.put("clock_offset_ns", c.nanos());
                details.put("clock_reference", "qemu/filter-dump last record vs file mtime");
            });
            CaptureExport.Exported e = CaptureExport.export(file, output, format, new EvidenceManifest.Source(vmName,
                    "qemu/filter-dump", java.util.Map.of("netdev", netdev)), "capture", notes, shift, details);
            return new CaptureResult(vmName, netdev, started, stoppedAt, e.file(), e.format(), e.packets(), e.size(),
                    e.sha256(), e.problem(), clock.map(QemuDumpClock.Offset::nanos));
        } finally {
            deleteQuietly(dir);
        }
    }

    /** Stops without keeping anything, if not stopped yet. */
    @Override
    public synchronized void close() {
        if (!stopped) {
            removeFilter();
            deleteQuietly(dir);
        }
    }

    private void removeFilter() {
        stopped = true;
        try {
            qmp.execute("object-del", Map.of("id", filterId));
        } catch (ChirpException e) {
            // The VM may have exited; then there is no filter left to remove. Otherwise the operator must know.
            if (!qmp.isClosed()) {
                throw new ChirpException(ChirpException.Kind.UNAVAILABLE, "could not remove capture filter " + filterId
                        + " from " + vmName + " (remove it with QMP object-del): " + e.getMessage(), e);
            }
        } finally {
            qmp.close();
        }
    }

    private static String seconds(long nanos) { return java.math.BigDecimal.valueOf(nanos, 9).toPlainString(); }

    private static void deleteQuietly(Path dir) {
        if (dir == null) return;
        try (var s = Files.list(dir)) {
            for (Path p : s.toList()) Files.deleteIfExists(p);
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            log.warn("could not delete capture folder {}: {}", dir, e.getMessage());
        }
    }
}
