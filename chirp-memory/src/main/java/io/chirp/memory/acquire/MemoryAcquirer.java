package io.chirp.memory.acquire;

import io.chirp.core.ChirpException;
import io.chirp.core.MemoryRange;
import io.chirp.core.PhysicalMemory;
import io.chirp.memory.ImageFormat;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;

/**
 * Writes a {@link PhysicalMemory} to an ELF core or LiME image, in one pass: each chunk is copied once out of
 * the source (a zero-copy view when there is one) into a buffer that is both hashed and written, so the SHA-256
 * describes exactly the bytes on disk even while a live guest changes its RAM. The image is written as
 * {@code FILE.partial} and renamed only when complete; on any failure, interruption or full disk the partial
 * file is deleted and no {@code FILE} appears.
 */
public final class MemoryAcquirer {
    public static final String TOOL = "chirp";

    private MemoryAcquirer() {}

    /** {@return the manifest path written next to {@code image}} */
    public static Path manifestPath(Path image) {
        return image.resolveSibling(image.getFileName() + ".manifest.json");
    }

    /**
     * Acquires {@code memory} into {@code file} and writes {@code FILE.manifest.json} beside it.
     *
     * @throws ChirpException USAGE if {@code file} exists (evidence is never overwritten), INTERRUPTED if the
     *                        thread was interrupted, IO on write errors (disk full); the hooks' exceptions pass through
     */
    public static AcquisitionManifest acquire(PhysicalMemory memory, Path file, AcquisitionRequest req) {
        if (Files.exists(file)) throw ChirpException.usage(file + " exists; refusing to overwrite an image");
        List<MemoryRange> ranges = memory.ranges().stream().filter(r -> r.size() > 0).toList();
        ImageLayout layout = req.format() == ImageFormat.ELF_CORE
                ? ElfCoreLayout.of(ranges, req.cpus()) : LimeLayout.of(ranges);
        Path partial = file.resolveSibling(file.getFileName() + ".partial");
        Instant started = Instant.now();
        Copy copy = new Copy(memory, layout, req);
        FileChannel channel;
        try {
            channel = FileChannel.open(partial, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        } catch (FileAlreadyExistsException e) {
            // not ours to delete: another acquisition may be writing it
            throw ChirpException.usage(partial + " exists: another acquisition is writing it, or remove it");
        } catch (IOException e) {
            throw ChirpException.io("cannot create " + partial + ": " + e.getMessage(), e);
        }
        boolean interrupted = false;
        boolean ok = false;
        try (FileChannel out = channel) {
            copy.run(out);
            out.force(true); // surface delayed-allocation errors (disk full) before the image is declared complete
            ok = true;
        } catch (ClosedByInterruptException | InterruptedIOException e) {
            interrupted = true;
            throw new ChirpException(ChirpException.Kind.INTERRUPTED, "acquisition of " + file + " interrupted", e);
        } catch (IOException e) {
            throw ChirpException.io("cannot write " + partial + ": " + e.getMessage()
                    + (String.valueOf(e.getMessage()).contains("No space") ? " (disk full)" : ""), e);
        } catch (ChirpException e) {
            interrupted = e.kind() == ChirpException.Kind.INTERRUPTED;
            throw e;
        } finally {
            if (!ok) deleteQuietly(partial);
            if (interrupted) Thread.currentThread().interrupt(); // restore the caller's interrupt status
        }
        try {
            Files.move(partial, file, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            deleteQuietly(partial);
            throw ChirpException.io("cannot rename " + partial + " to " + file + ": " + e.getMessage(), e);
        }
        AcquisitionManifest m = new AcquisitionManifest(file.getFileName().toString(), req.format().name(),
                req.vmName(), req.vmIdentity(), started, Instant.now(), copy.copyNanos,
                req.consistent() ? "consistent" : "live", copy.pauseNanos, ranges, layout.size(),
                HexFormat.of().formatHex(copy.sha256), req.cpus().size(), TOOL, toolVersion());
        writeManifest(file, m);
        return m;
    }

    /** The copy loop and what it measured. */
    private static final class Copy {
        final PhysicalMemory memory;
        final ImageLayout layout;
        final AcquisitionRequest req;
        long copyNanos, pauseNanos;
        byte[] sha256;

        Copy(PhysicalMemory memory, ImageLayout layout, AcquisitionRequest req) {
            this.memory = memory;
            this.layout = layout;
            this.req = req;
        }

        void run(FileChannel out) throws IOException {
            MessageDigest digest = sha256();
            long total = layout.size();
            long done = 0;
            byte[] buf = new byte[(int) Math.min(req.chunkSize(), Math.max(4096, layout.dataSize()))];
            MemorySegment bufSeg = MemorySegment.ofArray(buf);
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
                            digest.update(b.bytes());
                            writeFully(out, ByteBuffer.wrap(b.bytes()));
                            done += b.size();
                        }
                        case ImageLayout.Data d -> {
                            MemoryRange r = d.range();
                            for (long off = 0; off < r.size(); ) {
                                checkInterrupted();
                                int n = (int) Math.min(buf.length, r.size() - off);
                                // one copy out of guest RAM; hash and file both see exactly these bytes
                                MemorySegment view = memory.view(r.start() + off, n);
                                if (view != null) MemorySegment.copy(view, 0, bufSeg, 0, n);
                                else memory.read(r.start() + off, bufSeg, 0, n);
                                digest.update(buf, 0, n);
                                writeFully(out, ByteBuffer.wrap(buf, 0, n));
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
            sha256 = digest.digest();
        }
    }

    private static void checkInterrupted() {
        if (Thread.interrupted()) {
            Thread.currentThread().interrupt();
            throw new ChirpException(ChirpException.Kind.INTERRUPTED, "acquisition interrupted");
        }
    }

    private static void writeFully(FileChannel out, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) out.write(b);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new ChirpException(ChirpException.Kind.INTERNAL, "no SHA-256 in this JVM", e);
        }
    }

    private static void writeManifest(Path image, AcquisitionManifest m) {
        Path target = manifestPath(image);
        Path tmp = target.resolveSibling(target.getFileName() + ".partial");
        try {
            Files.writeString(tmp, m.toJson(), StandardCharsets.UTF_8);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            deleteQuietly(tmp);
            throw ChirpException.io("image " + image + " is complete but its manifest could not be written: "
                    + e.getMessage(), e);
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // best effort: the caller is already handling the original failure
        }
    }

    static String toolVersion() {
        String v = MemoryAcquirer.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }
}
