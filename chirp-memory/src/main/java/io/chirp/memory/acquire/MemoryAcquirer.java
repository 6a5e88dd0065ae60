package io.chirp.memory.acquire;

import io.chirp.core.ChirpException;
import io.chirp.core.MemoryRange;
import io.chirp.core.PhysicalMemory;
import io.chirp.evidence.EvidenceManifest;
import io.chirp.evidence.EvidenceWriter;
import io.chirp.memory.ImageFormat;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes a {@link PhysicalMemory} to an ELF core or LiME image, in one pass: each chunk is copied once out of
 * the source (a zero-copy view when there is one) into a buffer that is both hashed and written, so the SHA-256
 * describes exactly the bytes on disk even while a live guest changes its RAM. The hash runs on another thread
 * than the write of the same buffer ({@link EvidenceWriter#writeSparse}), and all-zero pages are left as holes
 * in the file (the manifest says how many): both formats are plain files, whose holes read back as zeros. The file itself goes through
 * {@link EvidenceWriter}: {@code FILE.partial} renamed only when complete and fsynced; on any failure,
 * interruption or full disk the partial file is deleted and no {@code FILE} appears.
 */
public final class MemoryAcquirer {
    public static final String TOOL = EvidenceWriter.TOOL;

    private MemoryAcquirer() {}

    /** {@return the manifest path written next to {@code image}} */
    public static Path manifestPath(Path image) {
        return EvidenceManifest.pathFor(image);
    }

    /**
     * Acquires {@code memory} into {@code file} and writes {@code FILE.manifest.json} beside it.
     *
     * @throws ChirpException USAGE if {@code file} exists (evidence is never overwritten), INTERRUPTED if the
     *                        thread was interrupted, IO on write errors (disk full); the hooks' exceptions pass through
     */
    public static AcquisitionManifest acquire(PhysicalMemory memory, Path file, AcquisitionRequest req) {
        List<MemoryRange> ranges = memory.ranges().stream().filter(r -> r.size() > 0).toList();
        ImageLayout layout = req.format() == ImageFormat.ELF_CORE
                ? ElfCoreLayout.of(ranges, req.cpus()) : LimeLayout.of(ranges);
        Copy copy = new Copy(memory, layout, req);
        boolean interrupted = false;
        try (EvidenceWriter out = EvidenceWriter.create(file)) {
            copy.run(out);
            EvidenceWriter.Description d = req.beforeCommit().apply(describe(req, copy, ranges));
            if (out.holeBytes() > 0) {
                d = d.withNote(String.format(Locale.ROOT, "%d all-zero pages (%d bytes) are holes in the file: they"
                        + " read back as zeros and are hashed as zeros", out.holeBytes() / 4096, out.holeBytes()));
            }
            EvidenceManifest m = out.commit(d);
            return new AcquisitionManifest(m, copy.copyNanos, copy.pauseNanos, ranges, req.cpus().size());
        } catch (ChirpException e) {
            interrupted = e.kind() == ChirpException.Kind.INTERRUPTED;
            if (interrupted && !e.getMessage().contains(file.toString())) {
                throw new ChirpException(ChirpException.Kind.INTERRUPTED, "acquisition of " + file + " interrupted", e);
            }
            throw e;
        } finally {
            if (interrupted) Thread.currentThread().interrupt(); // restore the caller's interrupt status
        }
    }

    private static EvidenceWriter.Description describe(AcquisitionRequest req, Copy copy, List<MemoryRange> ranges) {
        Map<String, Object> details = new LinkedHashMap<>();
        List<Map<String, Object>> layout = new ArrayList<>();
        for (MemoryRange r : ranges) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("start", "0x" + Long.toHexString(r.start()));
            e.put("end", "0x" + Long.toHexString(r.end()));
            e.put("size", r.size());
            e.put("name", r.name());
            layout.add(e);
        }
        details.put("layout", layout);
        details.put("vcpus", req.cpus().size());
        details.put("copy_nanos", copy.copyNanos);
        details.put("pause_nanos", copy.pauseNanos);
        List<String> notes = new ArrayList<>();
        if (req.consistent()) {
            notes.add(String.format(Locale.ROOT, "VM paused %.1f ms around the copy (CHIRP's own clock, an upper bound)",
                    copy.pauseNanos / 1e6));
        } else if (req.methodName().equals("live")) {
            notes.add("VM not paused: pages were copied at different times, so the image may be smeared");
        }
        return new EvidenceWriter.Description(AcquisitionManifest.KIND, req.format().name(),
                new EvidenceManifest.Source(req.vmName(), req.backend(), req.vmIdentity()), req.methodName(), true,
                notes, details);
    }

    /** The copy loop and what it measured. */
    private static final class Copy {
        final PhysicalMemory memory;
        final ImageLayout layout;
        final AcquisitionRequest req;
        long copyNanos, pauseNanos;

        Copy(PhysicalMemory memory, ImageLayout layout, AcquisitionRequest req) {
            this.memory = memory;
            this.layout = layout;
            this.req = req;
        }

        void run(EvidenceWriter out) {
            long total = layout.size();
            long done = 0;
            int size = (int) Math.min(req.chunkSize(), Math.max(4096, layout.dataSize()));
            // two buffers: the next chunk is copied into one while the other is still being hashed
            byte[][] bufs = {new byte[size], new byte[size]};
            MemorySegment[] segs = {MemorySegment.ofArray(bufs[0]), MemorySegment.ofArray(bufs[1])};
            java.util.concurrent.Future<?>[] hashing = new java.util.concurrent.Future<?>[2];
            int k = 0;
            long pauseStart = 0;
            boolean hooked = req.beforeCopy() != null;
            RuntimeException failure = null;
            try {
                if (hooked) {
                    pauseStart = System.nanoTime();
                    req.beforeCopy().run();
                }
                long t0 = System.nanoTime();
                for (ImageLayout.Part part : layout.parts()) {
                    switch (part) {
                        case ImageLayout.Bytes b -> {
                            out.write(ByteBuffer.wrap(b.bytes()));
                            done += b.size();
                        }
                        case ImageLayout.Data d -> {
                            MemoryRange r = d.range();
                            for (long off = 0; off < r.size(); ) {
                                checkInterrupted();
                                int n = (int) Math.min(size, r.size() - off);
                                k ^= 1;
                                if (hashing[k] != null) await(hashing[k]);   // its bytes are hashed: free to refill
                                byte[] buf = bufs[k];
                                // one copy out of guest RAM; hash and file both see exactly these bytes
                                MemorySegment view = memory.view(r.start() + off, n);
                                if (view != null) MemorySegment.copy(view, 0, segs[k], 0, n);
                                else memory.read(r.start() + off, segs[k], 0, n);
                                // hashed on the writer's hasher thread while written; zero pages become holes
                                hashing[k] = out.writeSparseHashingBehind(ByteBuffer.wrap(buf, 0, n));
                                off += n;
                                done += n;
                                req.progress().update(done, total);
                            }
                        }
                    }
                }
                copyNanos = System.nanoTime() - t0;
            } catch (RuntimeException e) {
                failure = e;
                throw e;
            } finally {
                // resume the VM whatever happened; with the interrupt flag cleared so an interruptible
                // channel in the hook (QMP "cont") still works
                boolean wasInterrupted = Thread.interrupted();
                try {
                    if (req.afterCopy() != null) req.afterCopy().run();
                } catch (RuntimeException e) {
                    if (failure == null) throw e;
                    failure.addSuppressed(e);
                } finally {
                    if (hooked) pauseNanos = System.nanoTime() - pauseStart;
                    if (wasInterrupted) Thread.currentThread().interrupt();
                }
            }
        }
    }

    private static void await(java.util.concurrent.Future<?> f) {
        try {
            f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ChirpException(ChirpException.Kind.INTERRUPTED, "acquisition interrupted");
        } catch (java.util.concurrent.ExecutionException e) {
            throw new ChirpException(ChirpException.Kind.INTERNAL, "hashing the image failed: " + e.getCause(), e.getCause());
        }
    }

    private static void checkInterrupted() {
        if (Thread.interrupted()) {
            Thread.currentThread().interrupt();
            throw new ChirpException(ChirpException.Kind.INTERRUPTED, "acquisition interrupted");
        }
    }
}
