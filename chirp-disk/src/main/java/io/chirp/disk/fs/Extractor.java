package io.chirp.disk.fs;

import io.chirp.core.ChirpException;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * Copies files out of a file system into an evidence folder, hashing while writing. Output names are made from
 * the inode and a sanitised base name, never from the guest's path, so a hostile name cannot escape the folder.
 */
public final class Extractor {
    /** Path components followed when resolving a path (symlinks are not followed at all). */
    private static final int MAX_COMPONENTS = 4096;

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
            long dir = ino;
            List<DirEntry> entries = fs.readDir(dir);
            Optional<DirEntry> hit = entries.stream().filter(e -> !e.deleted() && e.name().equals(p)).findFirst();
            if (hit.isEmpty()) hit = entries.stream().filter(e -> e.name().equals(p)).findFirst(); // a deleted name
            ino = hit.orElseThrow(() -> ChirpException.notFound("no such file in the image: " + walked)).inode();
        }
        return ino;
    }

    /** Extracts the file at {@code path} into {@code evidenceDir}. */
    public static ExtractedFile extractPath(FileSystem fs, String path, Path evidenceDir) {
        return extract(fs, resolve(fs, path), path, evidenceDir);
    }

    /** Extracts inode {@code inode} into {@code evidenceDir}; {@code sourcePath} only names the output. */
    public static ExtractedFile extract(FileSystem fs, long inode, String sourcePath, Path evidenceDir) {
        FileMeta meta = fs.stat(inode);
        if (meta.type() == FileType.DIRECTORY) throw ChirpException.usage("inode " + inode + " (" + sourcePath + ") is a directory");
        String base = sourcePath.isEmpty() ? "" : sourcePath.substring(sourcePath.lastIndexOf('/') + 1);
        Path out = evidenceDir.resolve("inode-" + inode + (base.isEmpty() ? "" : "-" + safe(base)));
        Path partial = out.resolveSibling(out.getFileName() + ".partial");
        try {
            Files.createDirectories(evidenceDir);
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            long n;
            try (OutputStream os = new DigestOutputStream(Files.newOutputStream(partial), sha)) {
                n = fs.copy(inode, os, Long.MAX_VALUE);
            }
            Files.move(partial, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return new ExtractedFile(sourcePath, inode, n, HexFormat.of().formatHex(sha.digest()), out, meta);
        } catch (IOException | UncheckedIOException e) {
            deleteQuietly(partial);
            throw ChirpException.io("cannot write " + out + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            deleteQuietly(partial);
            throw e;
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

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // best effort: a stale .partial is clearly marked as such
        }
    }
}
