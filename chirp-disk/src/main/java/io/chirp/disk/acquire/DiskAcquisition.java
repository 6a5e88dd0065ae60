package io.chirp.disk.acquire;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.chirp.core.ChirpException;
import io.chirp.disk.DiskTarget;
import io.chirp.disk.EvidenceFiles;
import io.chirp.disk.HostTool;
import io.chirp.disk.block.BlockSource;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;

/** Acquires a whole disk into an evidence file. */
public final class DiskAcquisition {
    /** Output formats. */
    public enum Format { RAW, QCOW2 }

    /** Called after each chunk with bytes done and total; must be quick (it runs on the copying thread). */
    @FunctionalInterface
    public interface Progress {
        void update(long done, long total);

        Progress NONE = (d, t) -> {};
    }

    static final String TOOL = "CHIRP 0.1.0 chirp-disk";
    private static final int CHUNK = 4 << 20;
    private static final Duration QEMU_IMG = Duration.ofHours(6);

    private DiskAcquisition() {}

    /**
     * Writes {@code target}'s disk to {@code output} in {@code format}, hashing its bytes as they are read, and a
     * manifest to {@code output + ".json"}. Both are written owner-only under {@code .partial} names; the manifest
     * gets its final name first and the image last, so a final image name always has its manifest beside it.
     * Refuses to overwrite an existing output or manifest.
     */
    public static AcquiredDisk acquire(DiskTarget target, Path output, Format format, Progress progress) {
        Path partial = EvidenceFiles.partial(output);
        Path manifest = output.resolveSibling(output.getFileName() + ".json");
        if (Files.exists(output)) throw ChirpException.usage("refusing to overwrite " + output);
        if (Files.exists(manifest)) throw ChirpException.usage("refusing to overwrite " + manifest);
        Path qemuDir = output.resolveSibling(output.getFileName() + ".partial.d");
        for (Path p : List.of(partial, qemuDir, EvidenceFiles.partial(manifest))) {
            // left by an acquisition that was killed: it is the operator's to inspect or delete, not ours to reuse
            if (Files.exists(p)) throw ChirpException.usage(p + " exists (an interrupted acquisition?): remove it or choose another output");
        }
        Instant started = Instant.now();
        BlockSource src = target.source();
        try {
            if (output.toAbsolutePath().getParent() != null) EvidenceFiles.createDirectories(output.toAbsolutePath().getParent());
            String contentSha, fileSha;
            if (format == Format.RAW) {
                contentSha = copyAndHash(src, partial, progress);
                fileSha = contentSha;
            } else {
                // qemu-img writes the container into a private folder (it creates files with the umask's mode);
                // our own read of the same frozen bytes gives the content hash
                EvidenceFiles.createPrivateDirectory(qemuDir);
                Path made = qemuDir.resolve("image.qcow2");
                List<String> argv = new java.util.ArrayList<>(List.of("qemu-img", "convert"));
                argv.addAll(target.qemuImgInput());
                argv.addAll(List.of("-O", "qcow2", made.toString()));
                HostTool.run(QEMU_IMG, argv);
                EvidenceFiles.restrict(made);
                Files.move(made, partial, StandardCopyOption.ATOMIC_MOVE);
                EvidenceFiles.deleteQuietly(qemuDir);
                contentSha = copyAndHash(src, null, progress);
                fileSha = sha256(partial);
            }
            AcquiredDisk result = new AcquiredDisk(output.toAbsolutePath(), format, src.size(), contentSha, fileSha,
                    started, Instant.now(), target.provenance(), manifest.toAbsolutePath(), TOOL);
            writeManifest(result);
            EvidenceFiles.publish(partial, output);
            return result;
        } catch (IOException e) {
            cleanUp(partial, qemuDir, manifest, output);
            throw ChirpException.io("acquisition to " + output + " failed: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            cleanUp(partial, qemuDir, manifest, output);
            throw e;
        }
    }

    private static void cleanUp(Path partial, Path qemuDir, Path manifest, Path output) {
        EvidenceFiles.deleteQuietly(partial);
        EvidenceFiles.deleteQuietly(qemuDir);
        EvidenceFiles.deleteQuietly(EvidenceFiles.partial(manifest));
        // a manifest already published for an image that never got its name describes nothing
        if (!Files.exists(output)) EvidenceFiles.deleteQuietly(manifest);
    }

    /** Reads the whole source in chunks, hashing; writes the bytes to {@code out} when it is not null. */
    private static String copyAndHash(BlockSource src, Path out, Progress progress) throws IOException {
        MessageDigest sha = sha();
        long total = src.size();
        byte[] buf = new byte[CHUNK];
        try (OutputStream os = out == null ? OutputStream.nullOutputStream()
                : EvidenceFiles.create(out)) {
            for (long pos = 0; pos < total; ) {
                if (Thread.currentThread().isInterrupted()) throw new ChirpException(ChirpException.Kind.INTERRUPTED, "acquisition interrupted");
                int n = (int) Math.min(buf.length, total - pos);
                src.read(pos, buf, 0, n);
                sha.update(buf, 0, n);
                os.write(buf, 0, n);
                pos += n;
                progress.update(pos, total);
            }
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    private static String sha256(Path file) throws IOException {
        MessageDigest sha = sha();
        byte[] buf = new byte[CHUNK];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buf)) > 0; ) sha.update(buf, 0, n);
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    private static MessageDigest sha() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new ChirpException(ChirpException.Kind.INTERNAL, "no SHA-256 in this JDK", e);
        }
    }

    private static void writeManifest(AcquiredDisk r) throws IOException {
        java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("output", r.output().toString());
        m.put("format", r.format().name().toLowerCase(java.util.Locale.ROOT));
        m.put("virtual_size", r.virtualSize());
        m.put("content_sha256", r.contentSha256());
        m.put("file_sha256", r.fileSha256());
        m.put("started", r.started().toString());
        m.put("finished", r.finished().toString());
        m.put("source", r.source());
        m.put("tool", r.tool());
        Path tmp = EvidenceFiles.partial(r.manifest());
        try (OutputStream os = EvidenceFiles.create(tmp)) {
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(os, m);
        }
        EvidenceFiles.publish(tmp, r.manifest());
    }
}
