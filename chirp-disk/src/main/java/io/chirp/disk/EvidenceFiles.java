package io.chirp.disk;

import io.chirp.core.ChirpException;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.EnumSet;
import java.util.Set;

/**
 * How the disk commands write evidence: owner-only from the first byte (folders 0700, files 0600, set when created,
 * never chmod-ed afterwards, so no window where others can read), under a {@code .partial} name, renamed into place
 * only when complete. A killed CHIRP leaves a {@code .partial}, never a final name over an incomplete file.
 * (The shared evidence writer of chirp-evidence replaces this once it serves disks too.)
 */
public final class EvidenceFiles {
    private static final Set<PosixFilePermission> FILE = EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
    private static final Set<PosixFilePermission> DIR = PosixFilePermissions.fromString("rwx------");

    private EvidenceFiles() {}

    /** {@return {@code name + ".partial"} beside {@code p}} */
    public static Path partial(Path p) { return p.resolveSibling(p.getFileName() + ".partial"); }

    /** Creates {@code dir} and any missing parents, each created one 0700; existing folders are left as they are. */
    public static void createDirectories(Path dir) {
        Path abs = dir.toAbsolutePath();
        Deque<Path> missing = new ArrayDeque<>();
        for (Path p = abs; p != null && !Files.exists(p); p = p.getParent()) missing.push(p);
        try {
            while (!missing.isEmpty()) {
                Path p = missing.pop();
                try {
                    Files.createDirectory(p, PosixFilePermissions.asFileAttribute(DIR));
                } catch (FileAlreadyExistsException e) {
                    if (!Files.isDirectory(p)) throw e;
                }
            }
        } catch (IOException e) {
            throw ChirpException.io("cannot create evidence folder " + dir + ": " + e.getMessage(), e);
        }
        if (!Files.isDirectory(abs)) throw ChirpException.io("evidence folder " + dir + " is not a folder", null);
    }

    /** {@return a new 0600 file at {@code p}, failing if anything is there already} */
    public static OutputStream create(Path p) throws IOException {
        FileAttribute<Set<PosixFilePermission>> attr = PosixFilePermissions.asFileAttribute(FILE);
        return Channels.newOutputStream(Files.newByteChannel(p, EnumSet.of(StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE), attr));
    }

    /** A new empty 0700 folder (for a tool that names its own output file inside it). */
    public static Path createPrivateDirectory(Path p) throws IOException {
        return Files.createDirectory(p, PosixFilePermissions.asFileAttribute(DIR));
    }

    /** Makes a file some other program created owner-only. */
    public static void restrict(Path p) throws IOException {
        Files.setPosixFilePermissions(p, FILE);
    }

    /** Renames a finished {@code partial} to {@code target} atomically, never over an existing file. */
    public static void publish(Path partial, Path target) throws IOException {
        if (Files.exists(target)) throw new FileAlreadyExistsException(target.toString());
        Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Deletes {@code p} if present; failures are ignored: a {@code .partial} name already says it is incomplete. */
    public static void deleteQuietly(Path p) {
        try {
            if (Files.isDirectory(p)) {
                try (var s = Files.walk(p)) {
                    for (Path x : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(x);
                }
            } else {
                Files.deleteIfExists(p);
            }
        } catch (IOException ignored) {
            // best effort
        }
    }
}
