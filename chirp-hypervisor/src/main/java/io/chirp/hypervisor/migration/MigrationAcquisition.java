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
import io.chirp.hypervisor.qemu.QemuMonitor;
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

    private final MigrationSource vm;
    private final Path dir;
    private MappedFileMemory memory;
    private PauseGuard guard;

    private MigrationAcquisition(MigrationSource vm, Path dir) {
        this.vm = vm;
        this.dir = dir;
    }

    /**
     * Prepares to migrate {@code vm}'s RAM into a scratch folder {@code chirp-migration-VM-PID-RANDOM} under
     * {@code $CHIRP_HOME/state/scratch} (deleted on close). Scratch folders of CHIRP processes that died first
     * are removed, and said so.
     */
    public static MigrationAcquisition start(LiveVm vm) { return start(direct(vm)); }

    /** {@link #start(LiveVm)} for a VM reached some other way (a libvirt domain). */
    public static MigrationAcquisition start(MigrationSource vm) {
        for (String s : PauseRecovery.sweepStaleScratch()) log.warn("{}", s);
        Path root = PauseRecovery.scratchRoot();
        OwnerOnly.directories(root);
        String safe = vm.name().replaceAll("[^A-Za-z0-9._]", "_");
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

    public Capture capture() { return capture(true, null); }

    /**
     * Migrates the VM's RAM into the scratch file.
     *
     * @param withRegisters read the vCPU registers in the final pause (an ELF image carries them; each read is a
     *                      monitor round trip the guest stays paused for)
     * @param progress      told the stream's bytes against the RAM size (re-sent pages make it pass the total: capped)
     *                      every few MiB, or null; what it throws (a server job's cancel) ends the capture, and the
     *                      migration is cancelled and the VM put back as on any other exit
     */
    public Capture capture(boolean withRegisters, io.chirp.memory.acquire.AcquisitionRequest.Progress progress) {
        QemuMonitor qmp = vm.monitor();
        if (!"running".equals(qmp.status())) throw ChirpException.unavailable("the VM is not running (" + qmp.status() + ")");
        JsonNode oldParams = qmp.execute("query-migrate-parameters", null);
        boolean oldEvents = capability(qmp, "events");
        // written down before anything changes, so a killed CHIRP's guardian (or the next CHIRP) can put it back
        guard = vm.guard("acquire --migration", Map.of(
                "downtime-limit", oldParams.path("downtime-limit").asLong(300),
                "max-bandwidth", oldParams.path("max-bandwidth").asLong(32L << 20)), oldEvents, dir);
        guard.notes().forEach(n -> log.warn("{}", n));
        long ramSize = vm.layout().fileSizeNeeded();
        Path scratch = dir.resolve("ram.scratch");
        List<QmpClient.Event> events = new CopyOnWriteArrayList<>();
        CompletableFuture<String> finished = new CompletableFuture<>();
        CompletableFuture<List<CpuState>> regs = new CompletableFuture<>();
        QmpClient.Subscription sub = qmp.onEvent(e -> {
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
        // Resuming runs on its own platform thread: the reply to 'cont' is read by the QMP reader thread (or libvirt's
        // event loop), and libvirt keeps its errors per OS thread. It starts at whichever comes first: the MIGRATION
        // event, or the end of the stream (QEMU closes it only once the migration has ended), since through libvirt
        // the event takes two more hops. Every round trip from here to 'cont' is pause.
        CompletableFuture<Void> streamEnded = new CompletableFuture<>();
        Thread resumer = Thread.ofPlatform().daemon().name("chirp-migration-resume " + vm.name()).start(() -> {
            try {
                CompletableFuture.anyOf(finished, streamEnded).get(30, TimeUnit.MINUTES);
                String status = finished.getNow(null);
                if (withRegisters && (status == null || status.equals("completed"))) {
                    try {
                        regs.complete(HmpRegisters.parse(qmp.hmp("info registers -a")));
                    } catch (RuntimeException e) {
                        regs.complete(List.of());
                    }
                }
                // straight on: QEMU is in postmigrate (or running again after a failed one, where cont does nothing)
                qmp.execute("cont", null);
            } catch (Exception e) {
                regs.complete(List.of());
            }
        });
        long start = System.nanoTime();
        try (MigrationSource.Outgoing channel = vm.open(dir);
             FileChannel out = FileChannel.open(scratch, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                     StandardOpenOption.WRITE, StandardOpenOption.SPARSE)) {
            out.write(java.nio.ByteBuffer.allocate(1), ramSize - 1); // sized, sparse
            qmp.execute("migrate-set-capabilities", Map.of("capabilities",
                    List.of(Map.of("capability", "events", "state", true))));
            qmp.execute("migrate-set-parameters", Map.of("downtime-limit", DOWNTIME_LIMIT_MS, "max-bandwidth", BANDWIDTH));
            qmp.execute("migrate", Map.of("uri", channel.uri()));
            MigrationStreamReader.Summary summary;
            try (InputStream in = reporting(channel.accept(), ramSize, progress)) {
                summary = new MigrationStreamReader(in, vm.layout().backend(), out).readRam();
                in.transferTo(java.io.OutputStream.nullOutputStream()); // device state: not needed
            }
            streamEnded.complete(null);
            String status = finished.get(2, TimeUnit.MINUTES);
            if (!status.equals("completed")) throw ChirpException.unavailable("migration " + status);
            resumer.join(Duration.ofSeconds(30));
            qmp.status(); // a round trip, so the RESUME event has been read
            QmpClient.Event resume = awaitResume(events);
            long totalMillis = (System.nanoTime() - start) / 1_000_000;
            QmpClient.Event stop = events.stream().filter(e -> e.name().equals("STOP")).findFirst().orElse(null);
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
            streamEnded.complete(null);
            try {
                // migrate_cancel if still going, settings back, guest running: what the marker says, nothing more
                guard.restore().forEach(x -> log.info("{}: {}", vm.name(), x));
            } catch (RuntimeException e) {
                log.warn("could not put VM {} back after the migration: {}", vm.name(), e.getMessage());
            }
            sub.close();
        }
    }

    /**
     * {@return the last RESUME event} QMP's own reader has it by the round trip before; libvirt's event loop delivers
     * it on its own thread, a moment after the reply to the same round trip: waited for, briefly.
     */
    private static QmpClient.Event awaitResume(List<QmpClient.Event> events) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (true) {
            QmpClient.Event r = events.stream().filter(e -> e.name().equals("RESUME")).reduce((a, b) -> b).orElse(null);
            if (r != null || System.nanoTime() > deadline) return r;
            Thread.sleep(5);
        }
    }

    /** {@return {@code in}, telling {@code progress} (if any) how much of it was read, every 4 MiB} */
    private static InputStream reporting(InputStream in, long total,
                                         io.chirp.memory.acquire.AcquisitionRequest.Progress progress) {
        if (progress == null) return in;
        return new java.io.FilterInputStream(in) {
            private long read, reported;

            @Override public int read() throws IOException {
                int b = super.read();
                if (b >= 0) count(1);
                return b;
            }

            @Override public int read(byte[] b, int off, int len) throws IOException {
                int n = super.read(b, off, len);
                if (n > 0) count(n);
                return n;
            }

            private void count(long n) {
                read += n;
                if (read - reported >= (4 << 20)) {
                    reported = read;
                    progress.update(Math.min(read, total - 1), total);
                }
            }
        };
    }

    /** CHIRP's own QMP socket, and a unix socket in the scratch folder that QEMU connects to. */
    private static MigrationSource direct(LiveVm vm) {
        QmpClient qmp = vm.qmp().orElseThrow(() -> ChirpException.unavailable("migration needs QMP"));
        return new MigrationSource() {
            @Override public String name() { return vm.vm().name(); }

            @Override public QemuMonitor monitor() { return qmp; }

            @Override public io.chirp.memory.RamLayout layout() { return vm.layout(); }

            @Override public PauseGuard guard(String operation, Map<String, Long> parameters, boolean events, Path scratch) {
                return PauseGuard.forMigration(vm.vm(), qmp, operation, parameters, events, scratch);
            }

            @Override public Outgoing open(Path dir) throws IOException {
                Path s = dir.resolve("m.sock");
                Path sock = s.toString().length() > 100 ? Path.of("/tmp", dir.getFileName() + ".sock") : s; // sun_path limit
                ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
                try {
                    server.bind(UnixDomainSocketAddress.of(sock));
                } catch (IOException e) {
                    server.close();
                    throw e;
                }
                return new Outgoing() {
                    @Override public String uri() { return "unix:" + sock; }

                    @Override public InputStream accept() throws IOException {
                        return Channels.newInputStream(MigrationAcquisition.accept(server));
                    }

                    @Override public void close() throws IOException {
                        try {
                            server.close();
                        } finally {
                            Files.deleteIfExists(sock);
                        }
                    }
                };
            }
        };
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

    private static boolean capability(QemuMonitor qmp, String name) {
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
