package io.chirp.bench;

import io.chirp.evidence.EvidenceManifest;
import io.chirp.hypervisor.LiveVm;
import io.chirp.hypervisor.VmAcquisition;
import io.chirp.hypervisor.VmInventory;
import io.chirp.hypervisor.qemu.QmpClient;
import io.chirp.lab.LabGuest;
import io.chirp.memory.ImageFormat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Acquisition of a lab guest (4 GiB unless {@code CHIRP_BENCH_GUEST_MEM} says otherwise) in each of CHIRP's modes
 * against QEMU's own dump-guest-memory of the same guest, to the same disk folder: time to a complete image, and
 * how long the guest was paused (from QEMU's STOP/RESUME events). Each round also measures the machine's limits
 * on the same number of bytes: writing them in 16 MiB writes and fsyncing them (the disk baseline), and hashing
 * them with SHA-256 on one thread.
 */
final class AcquisitionBench {
    static final String WRITE_BASELINE = "baseline: write + fsync the same bytes";
    static final String SHA_BASELINE = "baseline: SHA-256 of the same bytes, one thread";

    /** One measured acquisition. */
    record Row(String what, double seconds, double pauseMillis, long bytes, long holeBytes) {}

    static List<Row> run(Path scratch, String memory, int repeats) throws Exception {
        List<Row> rows = new ArrayList<>();
        try (LabGuest g = LabFixture.boot(memory)) {
            for (int rep = 0; rep < repeats; rep++) {
                Row q = qemuDump(g, scratch.resolve("qemu-" + rep + ".elf"));
                rows.add(q);
                rows.add(writeBaseline(scratch.resolve("baseline-" + rep + ".bin"), q.bytes()));
                rows.add(shaBaseline(q.bytes()));
                for (VmAcquisition.Mode mode : VmAcquisition.Mode.values()) {
                    Path out = scratch.resolve(mode + "-" + rep + ".elf");
                    long t0 = System.nanoTime();
                    VmAcquisition.Result r;
                    try (LiveVm vm = LiveVm.attach(new VmInventory().find(g.name()))) {
                        r = VmAcquisition.acquire(vm, out, ImageFormat.ELF_CORE, mode, (d, t) -> {});
                    }
                    double secs = (System.nanoTime() - t0) / 1e9;
                    Object holes = EvidenceManifest.read(EvidenceManifest.pathFor(out)).details().get("hole_bytes");
                    rows.add(new Row("chirp " + mode.name().toLowerCase(), secs,
                            r.qemuPauseMicros() < 0 ? 0 : r.qemuPauseMicros() / 1000.0, Files.size(out),
                            holes instanceof Number n ? n.longValue() : 0));
                    delete(out);
                }
            }
        }
        return rows;
    }

    /** Writes {@code bytes} of incompressible data in 16 MiB writes, fsyncs, and times both. */
    static Row writeBaseline(Path out, long bytes) throws IOException {
        ByteBuffer buf = ByteBuffer.allocateDirect(16 << 20);
        byte[] noise = new byte[16 << 20];
        new Random(16).nextBytes(noise);
        buf.put(noise).flip();
        long t0 = System.nanoTime();
        try (FileChannel ch = FileChannel.open(out, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            for (long done = 0; done < bytes; ) {
                int n = (int) Math.min(buf.capacity(), bytes - done);
                ByteBuffer b = buf.duplicate().limit(n);
                while (b.hasRemaining()) done += ch.write(b);
            }
            ch.force(true);
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        Files.delete(out);
        return new Row(WRITE_BASELINE, secs, 0, bytes, 0);
    }

    /** Hashes {@code bytes} of data in 16 MiB pieces on this thread. */
    static Row shaBaseline(long bytes) throws Exception {
        byte[] noise = new byte[16 << 20];
        new Random(17).nextBytes(noise);
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        long t0 = System.nanoTime();
        for (long done = 0; done < bytes; ) {
            int n = (int) Math.min(noise.length, bytes - done);
            md.update(noise, 0, n);
            done += n;
        }
        md.digest();
        return new Row(SHA_BASELINE, (System.nanoTime() - t0) / 1e9, 0, bytes, 0);
    }

    private static Row qemuDump(LabGuest g, Path out) throws Exception {
        List<QmpClient.Event> events = new CopyOnWriteArrayList<>();
        long t0 = System.nanoTime();
        try (QmpClient q = QmpClient.connect(g.qmpSocket())) {
            q.onEvent(e -> { if (e.name().equals("STOP") || e.name().equals("RESUME")) events.add(e); });
            q.execute("dump-guest-memory", Map.of("paging", false, "protocol", "file:" + out), Duration.ofMinutes(5));
            q.status();
        }
        // QEMU does not fsync its dump: it is timed as QEMU returns, and then made durable untimed, so the
        // disk's later writes do not land in the next measurement
        double secs = (System.nanoTime() - t0) / 1e9;
        try (FileChannel ch = FileChannel.open(out, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        long pause = events.size() >= 2 ? events.getLast().timestampMicros() - events.getFirst().timestampMicros() : -1;
        long size = Files.size(out);
        delete(out);
        return new Row("qemu dump-guest-memory (no fsync)", secs, pause / 1000.0, size, 0);
    }

    /** The markdown report. */
    static String report(String header, String memory, List<Row> rows) {
        StringBuilder md = new StringBuilder(header);
        md.append("Guest: lab standard scenario with ").append(memory).append(" of RAM. Images written to the same disk"
                + " folder (bench/target/acquisition). Pause = QEMU's RESUME minus STOP event timestamps. Throughput ="
                + " image bytes / time to a complete image; CHIRP's time includes its SHA-256 and the fsync of the image"
                + " and manifest. \"vs disk\" = the throughput against the same round's write + fsync of the same number"
                + " of bytes (goal: at least 0.80). Hole bytes: all-zero pages not written (the file is sparse there"
                + " and reads back as zeros; the manifest records them).\n\n");
        md.append("| round | method | time s | guest paused ms | image bytes | MB/s | vs disk | hole bytes |\n"
                + "|---|---|---|---|---|---|---|---|\n");
        int round = 0;
        double disk = 0;
        Map<String, List<Double>> ratios = new LinkedHashMap<>();
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            if (r.what().startsWith("qemu")) {
                round++;
                // the round's disk baseline comes right after QEMU's dump
                for (int j = i; j < rows.size(); j++) {
                    if (rows.get(j).what().equals(WRITE_BASELINE)) {
                        disk = rows.get(j).bytes() / rows.get(j).seconds();
                        break;
                    }
                }
            }
            double rate = r.bytes() / r.seconds();
            boolean base = r.what().startsWith("baseline");
            md.append(String.format("| %d | %s | %.2f | %s | %d | %.0f | %s | %s |%n", round, r.what(), r.seconds(),
                    base ? "" : String.format("%.1f", r.pauseMillis()), r.bytes(), rate / 1e6,
                    r.what().equals(WRITE_BASELINE) || disk == 0 ? "" : String.format("%.2f", rate / disk),
                    base || r.what().startsWith("qemu") ? "" : Long.toString(r.holeBytes())));
            if (!r.what().equals(WRITE_BASELINE) && disk > 0) ratios.computeIfAbsent(r.what(), k -> new ArrayList<>()).add(rate / disk);
        }
        md.append("\nThroughput against the same round's disk baseline (worst and best round):\n\n"
                + "| method | worst | best |\n|---|---|---|\n");
        ratios.forEach((k, v) -> md.append(String.format("| %s | %.2f | %.2f |%n", k,
                v.stream().mapToDouble(Double::doubleValue).min().orElse(0),
                v.stream().mapToDouble(Double::doubleValue).max().orElse(0))));
        return md.toString();
    }

    private static void delete(Path p) throws IOException {
        Files.deleteIfExists(p);
        Files.deleteIfExists(p.resolveSibling(p.getFileName() + ".manifest.json"));
    }
}
