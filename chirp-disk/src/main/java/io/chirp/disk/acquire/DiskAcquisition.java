package io.chirp.disk.acquire;

import io.chirp.core.ChirpException;
import io.chirp.disk.DiskTarget;
import io.chirp.disk.HostTool;
import io.chirp.disk.block.BlockSource;
import io.chirp.evidence.EvidenceManifest;
import io.chirp.evidence.EvidenceWriter;

import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Acquires a whole disk into an evidence file through {@link EvidenceWriter}: {@code FILE.partial}, hashed,
 * fsynced, renamed, with {@code FILE.manifest.json} and a custody record. Raw output is written by CHIRP as it
 * reads; qcow2 output is written by {@code qemu-img convert} ({@link EvidenceWriter#fromTool}) and CHIRP reads the
 * same frozen bytes once more for the content hash.
 */
public final class DiskAcquisition {
    /** Output formats. */
    public enum Format { RAW, QCOW2 }

    /** Called after each chunk with bytes done and total; must be quick (it runs on the copying thread). */
    @FunctionalInterface
    public interface Progress {
        void update(long done, long total);

        Progress NONE = (d, t) -> {};
    }

    /** The manifest's {@code kind} for a whole-disk image. */
    public static final String KIND = "disk-image";
    private static final int CHUNK = 4 << 20;
    private static final Duration QEMU_IMG = Duration.ofHours(6);

    private DiskAcquisition() {}

    /**
     * Writes {@code target}'s disk to {@code output} in {@code format}, hashing its bytes as they are read. The
     * manifest's {@code sha256} is the file's; {@code details.content_sha256} is the disk's bytes' (the same for
     * raw and qcow2 output of one disk). Refuses to overwrite an existing output, manifest or partial file.
     */
    public static AcquiredDisk acquire(DiskTarget target, Path output, Format format, Progress progress) {
        BlockSource src = target.source();
        EvidenceManifest m;
        String contentSha;
        if (format == Format.RAW) {
            try (EvidenceWriter w = EvidenceWriter.create(output)) {
                contentSha = copyAndHash(src, w, progress);
                m = w.commit(description(target, format, contentSha));
            }
        } else {
            List<String> argv = new ArrayList<>(List.of("qemu-img", "convert"));
            argv.addAll(target.qemuImgInput());
            argv.add("-O");
            argv.add("qcow2");
            try (EvidenceWriter w = EvidenceWriter.fromTool(output, made -> {
                List<String> a = new ArrayList<>(argv);
                a.add(made.toString());
                HostTool.run(QEMU_IMG, a);
            })) {
                contentSha = copyAndHash(src, null, progress);
                m = w.commit(description(target, format, contentSha));
            }
        }
        Path out = output.toAbsolutePath();
        return new AcquiredDisk(out, format, src.size(), contentSha, m.sha256(), m.started(), m.finished(),
                target.provenance(), EvidenceManifest.pathFor(out), m.tool() + " " + m.toolVersion());
    }

    private static EvidenceWriter.Description description(DiskTarget target, Format format, String contentSha) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("virtual_size", target.source().size());
        details.put("content_sha256", contentSha);
        return new EvidenceWriter.Description(KIND, format.name(), target.evidenceSource(), target.evidenceMethod(),
                true, target.notices(), details);
    }

    /** Reads the whole source in chunks, hashing; writes the bytes to {@code out} when it is not null. */
    private static String copyAndHash(BlockSource src, EvidenceWriter out, Progress progress) {
        MessageDigest sha = sha();
        long total = src.size();
        byte[] buf = new byte[CHUNK];
        for (long pos = 0; pos < total; ) {
            if (Thread.currentThread().isInterrupted()) throw new ChirpException(ChirpException.Kind.INTERRUPTED, "acquisition interrupted");
            int n = (int) Math.min(buf.length, total - pos);
            src.read(pos, buf, 0, n);
            sha.update(buf, 0, n);
            if (out != null) out.write(buf, 0, n);
            pos += n;
            progress.update(pos, total);
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
}
