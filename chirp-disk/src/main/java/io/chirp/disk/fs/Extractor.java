package io.chirp.disk.fs;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.chirp.core.ChirpException;
import io.chirp.disk.EvidenceFiles;
import io.chirp.disk.block.BlockSource;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Copies files out of a file system into an evidence folder, hashing while writing. Output names are made from
 * the inode and a sanitised base name, never from the guest's path, so a hostile name cannot escape the folder.
 *
 * <p>Only what the file system really stores is written. Holes between data ranges stay holes in the output (a
 * sparse host file: they read as zeros, take no space) and are listed in the manifest; a size claimed beyond the
 * file's last block is reported, and written (as a sparse zero tail) only with {@link Options#fillHoles()}. The zero
 * bytes an output may represent are capped by {@link Options#maxFill()}: an inode claiming a terabyte cannot make
 * CHIRP hash or write a terabyte.
 */
public final class Extractor {
    /** Path components followed when resolving a path (symlinks are not followed at all). */
    private static final int MAX_COMPONENTS = 4096;
    private static final int CHUNK = 1 << 20;

    /**
     * How to extract.
     *
     * @param fillHoles also write a claimed size beyond the last block, as zeros
     * @param maxFill   most zero bytes (holes, unwritten extents, filled tail) one output may represent
     * @param source    where the disk came from, copied into each manifest
     */
    public record Options(boolean fillHoles, long maxFill, Map<String, String> source) {
        /** Default zero-fill cap: far beyond real sparse files' holes, far below a disk-filling claim. */
        public static final long DEFAULT_MAX_FILL = 1L << 30;
        public static final Options DEFAULT = new Options(false, DEFAULT_MAX_FILL, Map.of());

        public Options {
            if (maxFill < 0) throw ChirpException.usage("the fill limit cannot be negative");
            source = Map.copyOf(source);
        }
    }

    private Extractor() {}

    /** {@return the inode at absolute {@code path}, resolving names without following symlinks} */
    public static long resolve(FileSystem fs, String path) {
        long ino = fs.rootInode();
        String[] parts = path.split("/");
        if (parts.length > MAX_COMPONENTS) throw ChirpException.usage("path has too many components: " + path);
        StringBuilder walked = new StringBuilder();
        for (String p : parts) {
            if (p.isEmpty() || p.equals(".")) continue;
            walked.append('/').append(p);
            List<DirEntry> entries = fs.readDir(ino).entries();
            Optional<DirEntry> hit = entries.stream().filter(e -> !e.deleted() && e.name().equals(p)).findFirst();
            if (hit.isEmpty()) hit = entries.stream().filter(e -> e.name().equals(p)).findFirst(); // a deleted name
            ino = hit.orElseThrow(() -> ChirpException.notFound("no such file in the image: " + walked)).inode();
        }
        return ino;
    }

    /** Extracts the file at {@code path} into {@code evidenceDir} with the default options. */
    public static ExtractedFile extractPath(FileSystem fs, String path, Path evidenceDir) {
        return extract(fs, resolve(fs, path), path, evidenceDir, Options.DEFAULT);
    }

    /** Extracts the file at {@code path} into {@code evidenceDir}. */
    public static ExtractedFile extractPath(FileSystem fs, String path, Path evidenceDir, Options options) {
        return extract(fs, resolve(fs, path), path, evidenceDir, options);
    }

    /** Extracts inode {@code inode} into {@code evidenceDir} with the default options. */
    public static ExtractedFile extract(FileSystem fs, long inode, String sourcePath, Path evidenceDir) {
        return extract(fs, inode, sourcePath, evidenceDir, Options.DEFAULT);
    }

    /** Extracts inode {@code inode} into {@code evidenceDir}; {@code sourcePath} only names the output. */
    public static ExtractedFile extract(FileSystem fs, long inode, String sourcePath, Path evidenceDir, Options options) {
        FileMeta meta = fs.stat(inode);
        if (meta.type() == FileType.DIRECTORY) throw ChirpException.usage("inode " + inode + " (" + sourcePath + ") is a directory");
        String base = sourcePath.isEmpty() ? "" : sourcePath.substring(sourcePath.lastIndexOf('/') + 1);
        Path out = evidenceDir.resolve("inode-" + inode + (base.isEmpty() ? "" : "-" + safe(base)));
        Path manifest = out.resolveSibling(out.getFileName() + ".json");
        Path partial = EvidenceFiles.partial(out);
        if (Files.exists(out) || Files.exists(manifest)) throw ChirpException.usage("refusing to overwrite " + out);
        FileLayout layout = fs.layout(inode);
        try {
            EvidenceFiles.createDirectories(evidenceDir);
            Written w;
            try (FileChannel ch = FileChannel.open(partial, EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
                w = write(fs.volume(), layout, ch, options);
            }
            ExtractedFile x = new ExtractedFile(sourcePath, inode, layout.size(), w.size, w.sha256, out, manifest, meta, w.holes, w.problems);
            writeManifest(x, options);
            EvidenceFiles.publish(partial, out);
            return x;
        } catch (IOException e) {
            EvidenceFiles.deleteQuietly(partial);
            EvidenceFiles.deleteQuietly(EvidenceFiles.partial(manifest));
            if (!Files.exists(out)) EvidenceFiles.deleteQuietly(manifest);
            throw ChirpException.io("cannot write " + out + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            EvidenceFiles.deleteQuietly(partial);
            EvidenceFiles.deleteQuietly(EvidenceFiles.partial(manifest));
            if (!Files.exists(out)) EvidenceFiles.deleteQuietly(manifest);
            throw e;
        }
    }

    private record Written(long size, String sha256, List<ExtractedFile.Hole> holes, List<String> problems) {}

    /** Writes data ranges at their offsets (positional writes: holes stay unwritten), hashing zeros for the holes. */
    private static Written write(BlockSource vol, FileLayout layout, FileChannel ch, Options o) throws IOException {
        MessageDigest sha = sha();
        List<ExtractedFile.Hole> holes = new ArrayList<>();
        List<String> problems = new ArrayList<>(layout.problems());
        byte[] buf = new byte[CHUNK];
        long[] budget = {o.maxFill()};
        long pos = 0;
        if (layout.inline().isPresent()) {
            byte[] in = layout.inline().get();
            int n = (int) Math.min(layout.size(), in.length);
            ch.write(ByteBuffer.wrap(in, 0, n), 0);
            sha.update(in, 0, n);
            pos = n;
        }
        for (FileLayout.Range r : layout.ranges()) {
            if (r.offset() > pos) {
                if (!zeros(sha, r.offset() - pos, budget)) {
                    problems.add("a hole of " + (r.offset() - pos) + " bytes at offset " + pos + " exceeds the fill limit ("
                            + o.maxFill() + " bytes): the file's data from there on was not extracted");
                    return finish(ch, sha, pos, holes, problems);
                }
                holes.add(new ExtractedFile.Hole(pos, r.offset() - pos));
                pos = r.offset();
            }
            if (r.zero()) {
                if (!zeros(sha, r.length(), budget)) {
                    problems.add("an unwritten extent of " + r.length() + " bytes at offset " + pos + " exceeds the fill limit ("
                            + o.maxFill() + " bytes): the file's data from there on was not extracted");
                    return finish(ch, sha, pos, holes, problems);
                }
                holes.add(new ExtractedFile.Hole(pos, r.length()));
                pos += r.length();
                continue;
            }
            for (long done = 0; done < r.length(); ) {
                if (Thread.currentThread().isInterrupted()) throw new ChirpException(ChirpException.Kind.INTERRUPTED, "extraction interrupted");
                int n = (int) Math.min(buf.length, r.length() - done);
                vol.read(r.diskOffset() + done, buf, 0, n);
                ByteBuffer bb = ByteBuffer.wrap(buf, 0, n);
                long at = pos + done;
                while (bb.hasRemaining()) at += ch.write(bb, at);
                sha.update(buf, 0, n);
                done += n;
            }
            pos += r.length();
        }
        long tail = layout.size() - pos;
        if (tail > 0) {
            if (o.fillHoles() && zeros(sha, tail, budget)) {
                holes.add(new ExtractedFile.Hole(pos, tail));
                pos = layout.size();
                ch.write(ByteBuffer.allocate(1), pos - 1); // extends the file sparsely: its last byte is a zero
            } else if (o.fillHoles()) {
                problems.add("claims " + layout.size() + " bytes but its blocks end at " + pos + "; the " + tail
                        + " missing bytes exceed the fill limit (" + o.maxFill() + " bytes) and were not written");
            } else if (layout.problems().isEmpty()) {
                problems.add("claims " + layout.size() + " bytes but its blocks end at " + pos + ": the remaining " + tail
                        + " bytes are not on the disk and were not written (--fill-holes writes them as zeros)");
            }
        }
        return finish(ch, sha, pos, holes, problems);
    }

    private static Written finish(FileChannel ch, MessageDigest sha, long pos, List<ExtractedFile.Hole> holes, List<String> problems)
            throws IOException {
        if (ch.size() < pos) ch.write(ByteBuffer.allocate(1), pos - 1); // a trailing hole inside the output
        ch.force(true);
        return new Written(pos, HexFormat.of().formatHex(sha.digest()), holes, problems);
    }

    /** Hashes {@code n} zero bytes if the budget allows, without writing them. */
    private static boolean zeros(MessageDigest sha, long n, long[] budget) {
        if (n > budget[0]) return false;
        budget[0] -= n;
        byte[] z = new byte[(int) Math.min(CHUNK, n)];
        for (long left = n; left > 0; ) {
            int k = (int) Math.min(z.length, left);
            sha.update(z, 0, k);
            left -= k;
        }
        return true;
    }

    private static void writeManifest(ExtractedFile x, Options o) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("output", x.output().toAbsolutePath().toString());
        m.put("source_path", GuestNames.escape(x.sourcePath()));
        m.put("inode", x.inode());
        m.put("claimed_size", x.claimedSize());
        m.put("size", x.size());
        m.put("sha256", x.sha256());
        m.put("complete", x.complete());
        m.put("holes", x.holes().stream().map(h -> Map.of("offset", h.offset(), "length", h.length())).toList());
        m.put("problems", x.problems().stream().map(GuestNames::escape).toList());
        FileMeta fm = x.meta();
        m.put("meta", Map.of("type", fm.type().name().toLowerCase(java.util.Locale.ROOT), "mode", fm.lsMode(),
                "uid", fm.uid(), "gid", fm.gid(), "modified", String.valueOf(fm.times().modified().orElse(null)),
                "accessed", String.valueOf(fm.times().accessed().orElse(null)), "changed", String.valueOf(fm.times().changed().orElse(null)),
                "born", String.valueOf(fm.times().born().orElse(null))));
        m.put("fill_holes", o.fillHoles());
        m.put("max_fill", o.maxFill());
        m.put("disk", o.source());
        Path tmp = EvidenceFiles.partial(x.manifest());
        try (OutputStream os = EvidenceFiles.create(tmp)) {
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(os, m);
        }
        EvidenceFiles.publish(tmp, x.manifest());
    }

    private static MessageDigest sha() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new ChirpException(ChirpException.Kind.INTERNAL, "no SHA-256 in this JDK", e);
        }
    }

    /** Letters, digits, dot, dash and underscore survive; everything else becomes '_'; at most 100 characters. */
    static String safe(String name) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < name.length() && sb.length() < 100; i++) {
            char c = name.charAt(i);
            sb.append(Character.isLetterOrDigit(c) && c < 128 || c == '.' || c == '-' || c == '_' ? c : '_');
        }
        String s = sb.toString();
        return s.startsWith(".") ? "_" + s.substring(1) : s;
    }
}
