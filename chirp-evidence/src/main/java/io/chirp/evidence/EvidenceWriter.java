package io.chirp.evidence;

import io.chirp.core.ChirpException;
import io.chirp.core.OwnerOnly;
import io.chirp.core.ChirpVersion;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
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
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes one evidence file the only way CHIRP writes evidence: as {@code FILE.partial} (owner-only, created
 * fresh, never over an existing file), SHA-256 computed over exactly the bytes written, then on
 * {@link #commit} fsynced, renamed atomically to {@code FILE} and described by {@code FILE.manifest.json}.
 * Closing without a commit (an exception, an interrupt) deletes the partial file: a {@code FILE} without
 * {@code .partial} always is a whole, fsynced, hashed file, and every commit appends a record to the custody log
 * (see {@link io.chirp.evidence package-info}). Not thread-safe: one writer thread.
 *
 * <pre>{@code
 * try (EvidenceWriter w = EvidenceWriter.create(out)) {
 *     w.write(buffer);                       // hashed and written
 *     EvidenceManifest m = w.commit(description);
 * }                                          // no commit: FILE.partial deleted
 * }</pre>
 *
 * Large writes are hashed on a hasher thread of the writer's own while the calling thread writes the same bytes
 * (so SHA-256 and the disk work at once and a write costs the slower of the two, not their sum); a write returns
 * when both are done, so the caller may reuse its buffer. {@link #writeSparse} also leaves every all-zero 4 KiB
 * page of the buffer unwritten: the file has a hole there, which reads back as the same zeros, and the manifest
 * records the bytes left as holes ({@code details.hole_bytes}).
 *
 * <p>A file another program writes (qemu-img) goes through {@link #fromTool}: the tool writes into a private folder,
 * the writer takes the result over as {@code FILE.partial} and hashes it; commit is then the same.
 */
public final class EvidenceWriter implements AutoCloseable {
    public static final String TOOL = "chirp";
    private static final String PARTIAL = ".partial";
    private static final int HASH_CHUNK = 1 << 20;
    /** Writes at least this long are hashed on the hasher thread; shorter ones inline (a hand-off costs more). */
    private static final int ASYNC_HASH = 256 << 10;
    private static final int PAGE = 4096;
    private static final java.lang.foreign.MemorySegment ZERO_PAGE = java.lang.foreign.MemorySegment.ofArray(new byte[PAGE]);

    /** A program that writes one file; it is given the path to create (in a fresh 0700 folder). */
    @FunctionalInterface
    public interface Tool {
        void produce(Path output) throws IOException;
    }

    /**
     * What the caller knows about the evidence; the writer adds name, size, hash and times.
     *
     * @param kind     see {@link EvidenceManifest#kind()}
     * @param format   see {@link EvidenceManifest#format()}
     * @param source   see {@link EvidenceManifest#source()}
     * @param method   see {@link EvidenceManifest#method()}
     * @param complete see {@link EvidenceManifest#complete()}
     * @param notes    see {@link EvidenceManifest#notes()}
     * @param details  see {@link EvidenceManifest#details()}
     */
    public record Description(String kind, String format, EvidenceManifest.Source source, String method,
                              boolean complete, List<String> notes, Map<String, Object> details) {
        public Description {
            notes = List.copyOf(notes);
            details = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(details));
        }

        /** {@return this description with one more note} */
        public Description withNote(String note) {
            List<String> n = new ArrayList<>(notes);
            n.add(note);
            return new Description(kind, format, source, method, complete, n, details);
        }

        /** {@return this description with one more detail (replacing one of the same key)} */
        public Description withDetail(String key, Object value) {
            Map<String, Object> d = new java.util.LinkedHashMap<>(details);
            d.put(key, value);
            return new Description(kind, format, source, method, complete, notes, d);
        }

        /** {@return this description marked incomplete, with the reason as a note} */
        public Description incomplete(String why) {
            List<String> n = new ArrayList<>(notes);
            n.add(why);
            return new Description(kind, format, source, method, false, n, details);
        }
    }

    private final Path target;
    private final Path partial;
    private final FileChannel channel;
    private final MessageDigest digest = sha256();
    private final Instant started = Instant.now();
    private long size;
    private long holeBytes;
    /** Hashes large writes beside the writing thread; started on the first one (most evidence files are small). */
    private java.util.concurrent.ExecutorService hasher;
    /** The last hash task handed to {@link #hasher}: tasks run in order, so when it is done all are. */
    private java.util.concurrent.Future<?> pendingHash;
    private boolean committed;
    private boolean closed;
    /** Set when the bytes came from a tool: nothing more may be written, they were hashed as they are on disk. */
    private boolean sealed;

    private EvidenceWriter(Path target, Path partial, FileChannel channel) {
        this.target = target;
        this.partial = partial;
        this.channel = channel;
    }

    /**
     * Starts {@code file}: creates missing parent folders (0700) and {@code FILE.partial} (0600).
     *
     * @throws ChirpException USAGE if {@code FILE}, its manifest or {@code FILE.partial} exists (evidence is
     *                        never overwritten; a partial file may be another writer's), IO otherwise
     */
    public static EvidenceWriter create(Path file) {
        Path abs = file.toAbsolutePath();
        if (Files.exists(abs)) throw ChirpException.usage(file + " exists; refusing to overwrite evidence");
        if (Files.exists(EvidenceManifest.pathFor(abs))) {
            throw ChirpException.usage(EvidenceManifest.pathFor(file) + " exists; refusing to overwrite evidence");
        }
        Path partial = partialOf(abs);
        OwnerOnly.directories(abs.getParent());
        try {
            FileChannel ch = FileChannel.open(partial, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                    OwnerOnly.FILE_ATTRIBUTE);
            OwnerOnly.set(partial); // exact, whatever the umask
            return new EvidenceWriter(abs, partial, ch);
        } catch (FileAlreadyExistsException e) {
            // not ours to delete: another writer may be filling it
            throw ChirpException.usage(partial + " exists: another CHIRP is writing it, or an earlier one was"
                    + " killed; remove it");
        } catch (IOException e) {
            throw ChirpException.io("cannot create " + partial + ": " + e.getMessage(), e);
        }
    }

    /** {@return the name being written until commit: {@code FILE.partial}} */
    public static Path partialOf(Path file) {
        return file.resolveSibling(file.getFileName() + PARTIAL);
    }

    /** {@return the final path} */
    public Path target() { return target; }

    /** {@return the path written to until commit} */
    public Path partial() { return partial; }

    /** {@return the bytes written so far} */
    public long size() { return size; }

    /** {@return the bytes so far left as holes: all-zero pages of {@link #writeSparse} and {@link #hole}s} */
    public long holeBytes() { return holeBytes; }

    /** {@return when this writer was created} */
    public Instant started() { return started; }

    /**
     * Produces {@code file} with an external program: {@code tool} writes into {@code FILE.partial.d/} (0700,
     * created fresh), the result is made 0600, renamed to {@code FILE.partial} and hashed by reading it back. The
     * returned writer takes no more bytes; {@link #commit} and {@link #close} behave as for {@link #create}.
     *
     * @throws ChirpException as {@link #create}; IO when the tool fails or writes nothing
     */
    public static EvidenceWriter fromTool(Path file, Tool tool) {
        Path folder = file.toAbsolutePath().resolveSibling(file.getFileName() + PARTIAL + ".d");
        if (Files.exists(folder)) {
            throw ChirpException.usage(folder + " exists (an interrupted run?): remove it or choose another output");
        }
        EvidenceWriter w = create(file);
        try {
            Files.createDirectory(folder, OwnerOnly.DIR_ATTRIBUTE);
            Path made = folder.resolve(file.getFileName().toString());
            tool.produce(made);
            if (!Files.isRegularFile(made)) throw ChirpException.io("the tool wrote no " + made, null);
            OwnerOnly.set(made); // the tool created it with the umask's mode
            w.channel.close();
            Files.move(made, w.partial, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            w.sealed = true;
            w.hashFile();
            return w;
        } catch (IOException e) {
            w.close();
            throw ChirpException.io("cannot produce " + file + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            w.close();
            throw e;
        } finally {
            deleteTree(folder);
        }
    }

    private void hashFile() throws IOException {
        ByteBuffer b = ByteBuffer.allocate(HASH_CHUNK);
        try (FileChannel in = FileChannel.open(partial, StandardOpenOption.READ)) {
            while (in.read(b.clear()) > 0) {
                digest.update(b.flip());
                size += b.limit();
            }
        }
    }

    /** Hashes and writes all remaining bytes of {@code b}. */
    public void write(ByteBuffer b) { write(b, false); }

    /**
     * Hashes all remaining bytes of {@code b} and writes them, except that every all-zero 4 KiB page of the buffer
     * (counted from its position) is left as a hole: the file reads back the same bytes, the disk is spared the
     * zeros. For memory images, whose RAM is mostly zero pages on an idle guest.
     */
    public void writeSparse(ByteBuffer b) { write(b, true, true); }

    /**
     * {@link #writeSparse}, except that it returns once the bytes are written, while they may still be hashed: the
     * caller must not change {@code b}'s bytes until the returned handle is done (the copy of the next chunk can go
     * on meanwhile, into another buffer). Later writes and the commit hash after it, in order.
     */
    public java.util.concurrent.Future<?> writeSparseHashingBehind(ByteBuffer b) {
        java.util.concurrent.Future<?> f = write(b, true, false);
        return f != null ? f : java.util.concurrent.CompletableFuture.completedFuture(null);
    }

    private void write(ByteBuffer b, boolean sparse) { write(b, sparse, true); }

    /** {@return the hash step still running, when not waited for; null when done} */
    private java.util.concurrent.Future<?> write(ByteBuffer b, boolean sparse, boolean waitForHash) {
        ensureWritable();
        int len = b.remaining();
        java.util.concurrent.Future<?> hashed = null;
        if (len >= ASYNC_HASH) {
            ByteBuffer h = b.duplicate();
            hashed = hash(() -> digest.update(h));
        } else {
            awaitHashes();
            digest.update(b.duplicate());
        }
        boolean written = false;
        try {
            if (sparse) writeNonZeroPages(b);
            // positional: after a hole the file position is behind size
            while (b.hasRemaining()) size += channel.write(b, size);
            if (hashed != null && waitForHash) await(hashed);
            written = true;
            return waitForHash ? null : hashed;
        } catch (ClosedByInterruptException e) {
            throw new ChirpException(ChirpException.Kind.INTERRUPTED, "writing " + target + " interrupted", e);
        } catch (IOException e) {
            throw ChirpException.io("cannot write " + partial + ": " + e.getMessage()
                    + (String.valueOf(e.getMessage()).contains("No space") ? " (disk full)" : ""), e);
        } finally {
            if (!written && hashed != null && !hashed.isDone()) abandonHashes(); // the file is lost anyway
        }
    }

    /**
     * Writes the runs of non-zero pages of {@code b} at their offsets, skipping the all-zero pages, and leaves
     * {@code b} at its last page (shorter than a page or not zero; written by the caller).
     */
    private void writeNonZeroPages(ByteBuffer b) throws IOException {
        java.lang.foreign.MemorySegment seg = java.lang.foreign.MemorySegment.ofBuffer(b);
        long n = seg.byteSize();
        int base = b.position();
        long runStart = -1;   // start of the current run of non-zero pages, or -1
        long at = 0;
        for (; at + PAGE <= n; at += PAGE) {
            boolean zero = seg.asSlice(at, PAGE).mismatch(ZERO_PAGE) < 0;
            if (zero) {
                if (runStart >= 0) {
                    writeRange(b, base, runStart, at);
                    runStart = -1;
                }
                size += PAGE;
                holeBytes += PAGE;
            } else if (runStart < 0) {
                runStart = at;
            }
        }
        if (runStart >= 0) writeRange(b, base, runStart, at);
        b.position(base + (int) at);
        // The file's length keeps up with the bytes taken even when they end in a hole: a buffer's last zero page
        // is written (and not counted as a hole), so whoever watches FILE.partial grow sees the copy's progress.
        if (runStart < 0 && at > 0 && !b.hasRemaining() && channel.size() < size) {
            ByteBuffer z = ByteBuffer.wrap(new byte[PAGE]);
            while (z.hasRemaining()) channel.write(z, size - PAGE + z.position());
            holeBytes -= PAGE;
        }
    }

    private void writeRange(ByteBuffer b, int base, long from, long to) throws IOException {
        ByteBuffer r = b.duplicate().position(base + (int) from).limit(base + (int) to);
        while (r.hasRemaining()) size += channel.write(r, size);
    }

    /** Hands a hash step to the hasher thread, after every step handed before. */
    private java.util.concurrent.Future<?> hash(Runnable step) {
        if (hasher == null) {
            hasher = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "chirp-evidence-hash");
                t.setDaemon(true);
                return t;
            });
        }
        pendingHash = hasher.submit(step);
        return pendingHash;
    }

    /** Waits for every hash step handed to the hasher thread. */
    private void awaitHashes() {
        if (pendingHash != null) await(pendingHash);
    }

    private void await(java.util.concurrent.Future<?> f) {
        try {
            f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ChirpException(ChirpException.Kind.INTERRUPTED, "writing " + target + " interrupted", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new ChirpException(ChirpException.Kind.INTERNAL, "hashing " + target + " failed: " + e.getCause(), e.getCause());
        }
    }

    private void abandonHashes() {
        if (hasher != null) hasher.shutdownNow();
        hasher = null;
        pendingHash = null;
        closed = true; // the digest no longer describes the bytes written: nothing more may be committed
        try {
            channel.close();
        } catch (IOException ignored) {
            // deleted on close
        }
        deleteQuietly(partial);
    }

    /**
     * Appends {@code n} zero bytes as a hole: hashed as zeros, never written, so the file stays sparse (a sparse
     * extracted file keeps its holes). The caller bounds {@code n}: hashing zeros costs time.
     */
    public void hole(long n) {
        ensureWritable();
        if (n < 0) throw new IllegalArgumentException("negative hole");
        byte[] z = new byte[(int) Math.min(HASH_CHUNK, Math.max(n, 1))];
        Runnable zeros = () -> {
            for (long left = n; left > 0; ) {
                int k = (int) Math.min(z.length, left);
                digest.update(z, 0, k);
                left -= k;
            }
        };
        if (n >= ASYNC_HASH) {
            hash(zeros);   // not waited for: the next write or the commit does
        } else {
            awaitHashes();
            zeros.run();
        }
        size += n;
        holeBytes += n;
    }

    /** Hashes and writes {@code len} bytes of {@code b} from {@code off}. */
    public void write(byte[] b, int off, int len) { write(ByteBuffer.wrap(b, off, len)); }

    /** {@return an output stream over this writer, for encoders that want one; closing it does not commit} */
    public OutputStream outputStream() {
        return new OutputStream() {
            @Override public void write(int b) { EvidenceWriter.this.write(new byte[] {(byte) b}, 0, 1); }
            @Override public void write(byte[] b, int off, int len) { EvidenceWriter.this.write(b, off, len); }
        };
    }

    /**
     * Finishes the file: fsync, atomic rename to {@code FILE}, manifest beside it (itself written as a
     * partial, fsynced and renamed), fsync of the folder so both names survive a crash.
     *
     * @return the manifest written
     * @throws ChirpException IO if any step fails; then neither {@code FILE} nor its manifest is left
     */
    public EvidenceManifest commit(Description d) {
        ensureOpen();
        awaitHashes();
        stopHasher();
        String sha = HexFormat.of().formatHex(digest.digest());
        if (holeBytes > 0) d = d.withDetail("hole_bytes", holeBytes);
        try {
            if (!sealed) {
                // a trailing hole: the file must still be `size` bytes long; one zero byte at the end extends it
                if (channel.size() < size) channel.write(ByteBuffer.allocate(1), size - 1);
                channel.force(true); // surfaces delayed-allocation errors (disk full) before the file is declared whole
                channel.close();
            } else {
                try (FileChannel c = FileChannel.open(partial, StandardOpenOption.WRITE)) {
                    c.force(true);
                }
            }
        } catch (ClosedByInterruptException | InterruptedIOException e) {
            throw new ChirpException(ChirpException.Kind.INTERRUPTED, "writing " + target + " interrupted", e);
        } catch (IOException e) {
            throw ChirpException.io("cannot flush " + partial + " to disk: " + e.getMessage(), e);
        }
        EvidenceManifest m = new EvidenceManifest(target.getFileName().toString(), d.kind(), d.format(), d.source(),
                d.method(), TOOL, toolVersion(), started, Instant.now(), size, sha, d.complete(), d.notes(), d.details());
        Path manifest = EvidenceManifest.pathFor(target);
        Path manifestPartial = partialOf(manifest);
        try {
            if (Files.exists(target) || Files.exists(manifest)) {
                throw ChirpException.usage(target + " appeared while it was written; refusing to overwrite it");
            }
            try (FileChannel mc = FileChannel.open(manifestPartial, Set.of(StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE), OwnerOnly.FILE_ATTRIBUTE)) {
                OwnerOnly.set(manifestPartial);
                ByteBuffer json = ByteBuffer.wrap(m.toJson().getBytes(StandardCharsets.UTF_8));
                while (json.hasRemaining()) mc.write(json);
                mc.force(true);
            }
            // custody before the names: evidence nobody recorded is never published. (Should a rename fail after
            // this, the record names a file that is not there, which an examiner can see; the reverse could not be.)
            Custody.record(target, m);
            // the image first: a FILE with no manifest can be re-hashed; a manifest with no FILE would be a claim
            // about nothing
            Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
            Files.move(manifestPartial, manifest, StandardCopyOption.ATOMIC_MOVE);
            fsyncDirectory(target.getParent());
            committed = true;
            return m;
        } catch (IOException e) {
            throw ChirpException.io("cannot finish " + target + ": " + e.getMessage(), e);
        } finally {
            if (!committed) {
                deleteQuietly(manifestPartial);
                if (Files.exists(partial)) deleteQuietly(partial);
                else if (Files.exists(target) && !Files.exists(manifest)) deleteQuietly(target); // renamed by us
            }
        }
    }

    /** Abandons the file unless committed: the partial file is deleted. */
    @Override
    public void close() {
        stopHasher();
        if (closed) return;
        closed = true;
        try {
            channel.close();
        } catch (IOException ignored) {
            // deleting it anyway
        }
        if (!committed) deleteQuietly(partial);
    }

    /**
     * Flushes a folder's entries (new names, renames) to disk. Linux lets a folder be opened for reading and
     * fsynced; elsewhere this may be unsupported, which is reported.
     */
    public static void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }

    /** {@return CHIRP's version ({@link ChirpVersion#current()}), as every manifest and custody record carries it} */
    public static String toolVersion() { return ChirpVersion.current().toString(); }

    private void stopHasher() {
        if (hasher != null) hasher.shutdownNow();
        hasher = null;
    }

    private void ensureWritable() {
        ensureOpen();
        if (sealed) throw new IllegalStateException(target + " was produced by a tool; it takes no more bytes");
    }

    private static void deleteTree(Path p) {
        if (!Files.exists(p)) return;
        try (var s = Files.walk(p)) {
            for (Path x : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(x);
        } catch (IOException ignored) {
            // best effort: a .partial.d name says what it is
        }
    }

    private void ensureOpen() {
        if (closed || committed) throw new IllegalStateException("evidence writer for " + target + " is finished");
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // best effort: the caller is already reporting the original failure
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new ChirpException(ChirpException.Kind.INTERNAL, "no SHA-256 in this JVM", e);
        }
    }
}
