package io.chirp.hypervisor.migration;

import io.chirp.core.OwnerOnly;
import com.fasterxml.jackson.databind.JsonNode;
import io.chirp.core.ChirpException;
import io.chirp.core.CpuState;
import io.chirp.evidence.EvidenceWriter;
import io.chirp.hypervisor.LiveVm;
import io.chirp.hypervisor.pause.PauseGuard;
import io.chirp.hypervisor.pause.PauseRecovery;
import io.chirp.hypervisor.qemu.HmpRegisters;
import io.chirp.hypervisor.qemu.QmpClient;
import io.chirp.memory.MappedFileMemory;
import io.chirp.memory.Segment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Captures a consistent copy of a running VM's RAM through QEMU's live migration: pre-copy rounds stream the RAM
 * while the guest runs, and QEMU pauses the guest only to send the pages dirtied in the last round (bounded by the
 * downtime limit). The moment migration completes CHIRP reads the vCPU registers and resumes the guest.
 * The guest's RAM as of the pause ends up in a scratch file, which the caller turns into an image.
 */
public final class MigrationAcquisition implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MigrationAcquisition.class);
    /** The downtime QEMU aims for in the final stop-and-copy round. */
    public static final long DOWNTIME_LIMIT_MS = 20;
    private static final long BANDWIDTH = 8L << 30;

    /**
     * The captured RAM.
     *
     * @param memory      the RAM as of the pause, with the live VM's guest-physical layout
     * @param cpus        vCPU state read while the guest was paused at the end of migration
     * @param pauseMicros the pause, from QEMU's STOP and RESUME event timestamps
     * @param summary     what the migration stream held
     * @param totalMillis wall time of the whole migration
     */
    public record Capture(MappedFileMemory memory, List<CpuState> cpus, long pauseMicros,
                          MigrationStreamReader.Summary summary, long totalMillis) {}

    private final LiveVm vm;
    private final Path dir;
    private MappedFileMemory memory;
    private PauseGuard guard;

    private MigrationAcquisition(LiveVm vm, Path dir) {
        this.vm = vm;
        this.dir = dir;
    }

    /**
     * Prepares to migrate {@code vm}'s RAM into a scratch folder {@code chirp-migration-VM-PID-RANDOM} under
     * {@code $CHIRP_HOME/state/scratch} (deleted on close). Scratch folders of CHIRP processes that died first
     * are removed, and said so.
     */
    public static MigrationAcquisition start(LiveVm vm) {
        for (String s : PauseRecovery.sweepStaleScratch()) log.warn("{}", s);
        Path root = PauseRecovery.scratchRoot();
        OwnerOnly.directories(root);
        String safe = vm.vm().name().replaceAll("[^A-Za-z0-9._]", "_");
        if (safe.length() > 40) safe = safe.substring(0, 40);
        String name = PauseRecovery.SCRATCH_PREFIX + safe + "-" + ProcessHandle.current().pid() + "-"
                + Long.toHexString(new java.security.SecureRandom().nextLong() >>> 1);
        try {
            Path dir = OwnerOnly.createDir(root.resolve(name));
            return new MigrationAcquisition(vm, dir);
        } catch (IOException e) {
            throw ChirpException.io("cannot create a scratch folder in " + root + ": " + e.getMessage(), e);
        }
    }

    /** {@return the scratch folder} */
    public Path scratchDir() { return dir; }

    public Capture capture() {
        QmpClient qmp = vm.qmp().orElseThrow(() -> ChirpException.unavailable("migration needs QMP"));
        if (!"running".equals(qmp.status())) throw ChirpException.unavailable("the VM is not running (" + qmp.status() + ")");
        JsonNode oldParams = qmp.execute("query-migrate-parameters", null);
        boolean oldEvents = capability(qmp, "events");
        // written down before anything changes, so a killed CHIRP's guardian (or the next CHIRP) can put it back
        guard = PauseGuard.forMigration(vm.vm(), qmp, "acquire --migration", Map.of(
                "downtime-limit", oldParams.path("downtime-limit").asLong(300),
                "max-bandwidth", oldParams.path("max-bandwidth").asLong(32L << 20)), oldEvents, dir);
        guard.notes().forEach(n -> log.warn("{}", n));
        Path sock = dir.resolve("m.sock");
        if (sock.toString().length() > 100) sock = Path.of("/tmp", dir.getFileName() + ".sock"); // sun_path limit
        long ramSize = vm.layout().fileSizeNeeded();
        Path scratch = dir.resolve("ram.scratch");
        List<QmpClient.Event> events = new CopyOnWriteArrayList<>();
        CompletableFuture<String> finished = new CompletableFuture<>();
        CompletableFuture<List<CpuState>> regs = new CompletableFuture<>();
        qmp.onEvent(e -> {
            switch (e.name()) {
                case "STOP", "RESUME" -> events.add(e);
                case "MIGRATION" -> {
                    String status = e.data().path("status").asText();
                    if (status.equals("completed") || status.equals("failed") || status.equals("cancelled")) {
                        finished.complete(status);
                    }
                }
                default -> { }
            }
        });
        // The reply to 'cont' is read by the QMP reader thread, so resuming must not run on it.
        Thread resumer = Thread.ofVirtual().start(() -> {
            try {
                String status = finished.get(30, TimeUnit.MINUTES);
                if (status.equals("completed")) {
                    try {
                        regs.complete(HmpRegisters.parse(qmp.hmp("info registers -a")));
                    } catch (RuntimeException e) {
                        regs.complete(List.of());
                    }
                }
                if (!"running".equals(qmp.status())) qmp.execute("cont", null);
            } catch (Exception e) {
                regs.complete(List.of());
            }
        });
        long start = System.nanoTime();
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
             FileChannel out = FileChannel.open(scratch, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                     StandardOpenOption.WRITE, StandardOpenOption.SPARSE)) {
            out.write(java.nio.ByteBuffer.allocate(1), ramSize - 1); // sized, sparse
            server.bind(UnixDomainSocketAddress.of(sock));
            qmp.execute("migrate-set-capabilities", Map.of("capabilities",
                    List.of(Map.of("capability", "events", "state", true))));
            qmp.execute("migrate-set-parameters", Map.of("downtime-limit", DOWNTIME_LIMIT_MS, "max-bandwidth", BANDWIDTH));
            qmp.execute("migrate", Map.of("uri", "unix:" + sock));
            MigrationStreamReader.Summary summary;
            try (SocketChannel ch = accept(server); InputStream in = Channels.newInputStream(ch)) {
                summary = new MigrationStreamReader(in, vm.layout().backend(), out).readRam();
                in.transferTo(java.io.OutputStream.nullOutputStream()); // device state: not needed
            }
            String status = finished.get(2, TimeUnit.MINUTES);
            if (!status.equals("completed")) throw ChirpException.unavailable("migration " + status);
            resumer.join(Duration.ofSeconds(30));
            qmp.status(); // a round trip, so the RESUME event has been read
            long totalMillis = (System.nanoTime() - start) / 1_000_000;
            QmpClient.Event stop = events.stream().filter(e -> e.name().equals("STOP")).findFirst().orElse(null);
            QmpClient.Event resume = events.stream().filter(e -> e.name().equals("RESUME")).reduce((a, b) -> b).orElse(null);
            long pause = stop != null && resume != null ? resume.timestampMicros() - stop.timestampMicros() : -1;
            // no fsync of the scratch: the image is read from it through the page cache and is itself fsynced; the
            // scratch is deleted on close, so its pages need never reach the disk
            List<Segment> segments = new ArrayList<>(vm.layout().segments());
            memory = MappedFileMemory.open(scratch, segments, false,
                    "RAM captured by QEMU live migration (consistent as of the final pause)");
            log.info("migration capture: {} rounds, {} pages, pause {} us, {} ms total", summary.rounds(),
                    summary.pagesSent(), pause, totalMillis);
            return new Capture(memory, regs.getNow(List.of()), pause, summary, totalMillis);
        } catch (IOException e) {
            throw ChirpException.io("migration capture failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ChirpException(ChirpException.Kind.INTERRUPTED, "interrupted during migration capture");
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw ChirpException.unavailable("migration did not complete: " + e);
        } finally {
            finished.complete("cancelled");
            try {
                // migrate_cancel if still going, settings back, guest running: what the marker says, nothing more
                guard.restore().forEach(x -> log.info("{}: {}", vm.vm().name(), x));
            } catch (RuntimeException e) {
                log.warn("could not put VM {} back after the migration: {}", vm.vm().name(), e.getMessage());
            }
            try {
                Files.deleteIfExists(sock);
            } catch (IOException ignored) {
                // in the scratch folder, removed on close
            }
        }
    }

    private static SocketChannel accept(ServerSocketChannel server) throws IOException {
        server.configureBlocking(false);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            SocketChannel ch = server.accept();
            if (ch != null) {
                ch.configureBlocking(true);
                return ch;
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted");
            }
        }
        throw new IOException("QEMU did not connect to the migration socket");
    }

    private static boolean capability(QmpClient qmp, String name) {
        for (JsonNode c : qmp.execute("query-migrate-capabilities", null)) {
            if (c.path("capability").asText().equals(name)) return c.path("state").asBoolean();
        }
        return false;
    }

    /** Unmaps and deletes the scratch file, puts the VM back if that is still needed, removes the marker. */
    @Override
    public void close() {
        try {
            if (memory != null) memory.close();
        } finally {
            try (Stream<Path> s = Files.walk(dir)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
            } catch (IOException e) {
                log.warn("could not remove scratch folder {}: {}", dir, e.getMessage());
            }
            if (guard != null) guard.close();
        }
    }
}
