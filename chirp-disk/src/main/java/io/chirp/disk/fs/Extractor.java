package io.chirp.disk.fs;

import io.chirp.core.ChirpException;
import io.chirp.disk.DiskTarget;
import io.chirp.disk.block.BlockSource;
import io.chirp.evidence.EvidenceManifest;
import io.chirp.evidence.EvidenceWriter;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Copies files out of a file system into an evidence folder through {@link EvidenceWriter} (partial name, hash,
 * fsync, rename, {@code FILE.manifest.json}, custody record), one evidence file per extracted file. Output names are made from
 * the inode and a sanitised base name, never from the guest's path, so a hostile name cannot escape the folder.
 *
 * <p>Only what the file system really stores is written. Holes between data ranges stay holes in the output (a
 * sparse host file: they read as zeros, take no space) and are listed in the manifest's {@code details.holes}; a size claimed beyond the
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

    /**
     * Extracts the file at {@code path} into {@code evidenceDir}, telling {@code progress} the bytes done (read or
     * holes) of the file's claimed size after each chunk (a server job's progress bar; it may throw to cancel).
     */
    public static ExtractedFile extractPath(FileSystem fs, String path, Path evidenceDir, Options options,
                                            io.chirp.disk.acquire.DiskAcquisition.Progress progress) {
        return extract(fs, resolve(fs, path), path, evidenceDir, options, progress);
    }

    /** Extracts inode {@code inode} into {@code evidenceDir} with the default options. */
    public static ExtractedFile extract(FileSystem fs, long inode, String sourcePath, Path evidenceDir) {
        return extract(fs, inode, sourcePath, evidenceDir, Options.DEFAULT);
    }

    /** Extracts inode {@code inode} into {@code evidenceDir}; {@code sourcePath} only names the output. */
    public static ExtractedFile extract(FileSystem fs, long inode, String sourcePath, Path evidenceDir, Options options) {
        return extract(fs, inode, sourcePath, evidenceDir, options, io.chirp.disk.acquire.DiskAcquisition.Progress.NONE);
    }

    private static ExtractedFile extract(FileSystem fs, long inode, String sourcePath, Path evidenceDir, Options options,
                                         io.chirp.disk.acquire.DiskAcquisition.Progress progress) {
        FileMeta meta = fs.stat(inode);
        if (meta.type() == FileType.DIRECTORY) throw ChirpException.usage("inode " + inode + " (" + sourcePath + ") is a directory");
        String base = sourcePath.isEmpty() ? "" : sourcePath.substring(sourcePath.lastIndexOf('/') + 1);
        Path out = evidenceDir.resolve("inode-" + inode + (base.isEmpty() ? "" : "-" + safe(base)));
        FileLayout layout = fs.layout(inode);
        try (EvidenceWriter w = EvidenceWriter.create(out)) {
            Written written = write(fs.volume(), layout, w, options, progress);
            // the hash is known only once commit has digested the last byte: the draft's is null until then
            ExtractedFile x = new ExtractedFile(sourcePath, inode, layout.size(), w.size(), null,
                    w.target(), EvidenceManifest.pathFor(w.target()), meta, written.holes, written.problems);
            EvidenceManifest m = w.commit(description(x, options));
            return new ExtractedFile(x.sourcePath(), x.inode(), x.claimedSize(), x.size(), m.sha256(), x.output(),
                    x.manifest(), x.meta(), x.holes(), x.problems());
        }
    }

    private record Written(List<ExtractedFile.Hole> holes, List<String> problems) {}

    /** Writes data ranges in order; holes become {@link EvidenceWriter#hole}s (hashed as zeros, never written). */
    private static Written write(BlockSource vol, FileLayout layout, EvidenceWriter w, Options o,
                                 io.chirp.disk.acquire.DiskAcquisition.Progress progress) {
        List<ExtractedFile.Hole> holes = new ArrayList<>();
        List<String> problems = new ArrayList<>(layout.problems());
        byte[] buf = new byte[CHUNK];
        long[] budget = {o.maxFill()};
        long pos = 0;
        if (layout.inline().isPresent()) {
            byte[] in = layout.inline().get();
            int n = (int) Math.min(layout.size(), in.length);
            w.write(in, 0, n);
            pos = n;
        }
        for (FileLayout.Range r : layout.ranges()) {
            if (r.offset() > pos) {
                if (!zeros(w, r.offset() - pos, budget)) {
                    problems.add("a hole of " + (r.offset() - pos) + " bytes at offset " + pos + " exceeds the fill limit ("
                            + o.maxFill() + " bytes): the file's data from there on was not extracted");
                    return new Written(holes, problems);
                }
                holes.add(new ExtractedFile.Hole(pos, r.offset() - pos));
                pos = r.offset();
            }
            if (r.zero()) {
                if (!zeros(w, r.length(), budget)) {
                    problems.add("an unwritten extent of " + r.length() + " bytes at offset " + pos + " exceeds the fill limit ("
                            + o.maxFill() + " bytes): the file's data from there on was not extracted");
                    return new Written(holes, problems);
                }
                holes.add(new ExtractedFile.Hole(pos, r.length()));
                pos += r.length();
                continue;
            }
            for (long done = 0; done < r.length(); ) {
                if (Thread.currentThread().isInterrupted()) throw new ChirpException(ChirpException.Kind.INTERRUPTED, "extraction interrupted");
                int n = (int) Math.min(buf.length, r.length() - done);
                vol.read(r.diskOffset() + done, buf, 0, n);
                w.write(buf, 0, n);
                done += n;
                progress.update(pos + done, layout.size());
            }
            pos += r.length();
        }
        long tail = layout.size() - pos;
        if (tail > 0) {
            if (o.fillHoles() && zeros(w, tail, budget)) {
                holes.add(new ExtractedFile.Hole(pos, tail));
                pos = layout.size();
            } else if (o.fillHoles()) {
                problems.add("claims " + layout.size() + " bytes but its blocks end at " + pos + "; the " + tail
                        + " missing bytes exceed the fill limit (" + o.maxFill() + " bytes) and were not written");
            } else if (layout.problems().isEmpty()) {
                problems.add("claims " + layout.size() + " bytes but its blocks end at " + pos + ": the remaining " + tail
                        + " bytes are not on the disk and were not written (--fill-holes writes them as zeros)");
            }
        }
        progress.update(pos, layout.size());
        return new Written(holes, problems);
    }

    /** Adds a hole of {@code n} zero bytes if the fill budget allows. */
    private static boolean zeros(EvidenceWriter w, long n, long[] budget) {
        if (n > budget[0]) return false;
        budget[0] -= n;
        w.hole(n);
        return true;
    }

    /** The manifest's {@code kind} for a file copied out of a file system. */
    public static final String KIND = "extracted-file";

    /**
     * {@return the manifest description: problems become notes (escaped: they quote guest names), the file's
     * identity, metadata and holes go in the details}
     */
    private static EvidenceWriter.Description description(ExtractedFile x, Options o) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("source_path", GuestNames.escape(x.sourcePath()));
        d.put("inode", x.inode());
        d.put("claimed_size", x.claimedSize());
        d.put("holes", x.holes().stream().map(h -> Map.of("offset", h.offset(), "length", h.length())).toList());
        FileMeta fm = x.meta();
        d.put("meta", Map.of("type", fm.type().name().toLowerCase(java.util.Locale.ROOT), "mode", fm.lsMode(),
                "uid", fm.uid(), "gid", fm.gid(), "modified", String.valueOf(fm.times().modified().orElse(null)),
                "accessed", String.valueOf(fm.times().accessed().orElse(null)), "changed", String.valueOf(fm.times().changed().orElse(null)),
                "born", String.valueOf(fm.times().born().orElse(null))));
        d.put("fill_holes", o.fillHoles());
        d.put("max_fill", o.maxFill());
        return new EvidenceWriter.Description(KIND, "FILE", DiskTarget.evidenceSource(o.source()), "extract",
                x.complete(), x.problems().stream().map(GuestNames::escape).toList(), d);
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
