package io.chirp.core;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Owner-only files and folders (0600 and 0700): evidence, the event store, credentials, keys. Created with their
 * permissions in one step, so there is no moment at which another user could open them — the guest RAM this data
 * comes from is root-only too.
 */
public final class OwnerOnly {
    /** rw------- */
    public static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");
    /** rwx------ */
    public static final Set<PosixFilePermission> DIR = PosixFilePermissions.fromString("rwx------");

    /** {@link #FILE} as a creation attribute (FileChannel.open, Files.createFile, createTempFile). */
    public static final FileAttribute<Set<PosixFilePermission>> FILE_ATTRIBUTE = PosixFilePermissions.asFileAttribute(FILE);
    /** {@link #DIR} as a creation attribute (Files.createDirectory, createTempDirectory). */
    public static final FileAttribute<Set<PosixFilePermission>> DIR_ATTRIBUTE = PosixFilePermissions.asFileAttribute(DIR);

    private OwnerOnly() {}

    /**
     * Creates {@code dir} and missing parents; every folder this creates is 0700, existing ones are left alone
     * (an output folder the operator chose keeps its mode, the folders CHIRP adds under it do not leak).
     */
    public static void directories(Path dir) {
        if (dir == null || Files.isDirectory(dir)) return;
        directories(dir.toAbsolutePath().getParent());
        try {
            Files.createDirectory(dir, DIR_ATTRIBUTE);
            Files.setPosixFilePermissions(dir, DIR); // exact, whatever the umask
        } catch (FileAlreadyExistsException e) {
            if (!Files.isDirectory(dir)) throw ChirpException.io(dir + " exists and is not a folder", e);
        } catch (IOException e) {
            throw ChirpException.io("cannot create folder " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Creates {@code dir} 0700; fails if it exists (a fresh folder nobody else can have prepared). */
    public static Path createDir(Path dir) throws IOException {
        return Files.createDirectory(dir, DIR_ATTRIBUTE);
    }

    /** {@return a new 0700 folder in the temporary folder, named {@code prefix} and random characters} */
    public static Path tempDir(String prefix) throws IOException {
        return Files.createTempDirectory(prefix, DIR_ATTRIBUTE);
    }

    /** Sets an existing file to exactly 0600 (one created by a tool or library with the umask's mode). */
    public static void set(Path f) throws IOException {
        Files.setPosixFilePermissions(f, FILE);
    }

    /** {@return {@code dir}, created 0700 if absent (missing parents too), and set to 0700 if it existed} */
    public static Path dir(Path dir) {
        try {
            Path abs = dir.toAbsolutePath();
            if (!Files.isDirectory(abs)) {
                if (abs.getParent() != null) Files.createDirectories(abs.getParent());
                try {
                    Files.createDirectory(abs, PosixFilePermissions.asFileAttribute(DIR));
                } catch (FileAlreadyExistsException raced) {
                    // another process made it between the check and here: fall through and restrict it
                }
            }
            Files.setPosixFilePermissions(abs, DIR);
            return dir;
        } catch (IOException e) {
            throw ChirpException.io("cannot create " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Creates {@code f} empty and 0600; fails if it exists. */
    public static void createFile(Path f) throws IOException {
        Files.createFile(f, FILE_ATTRIBUTE);
    }

    /**
     * {@return {@code f}, created empty and 0600 if absent (an existing file is restricted to 0600)} For files a
     * library opens itself (SQLite): created here first, the library then opens an owner-only file, and SQLite
     * gives its -wal and -shm files the mode of the database file.
     */
    public static Path file(Path f) {
        try {
            try {
                createFile(f);
            } catch (FileAlreadyExistsException exists) {
                Files.setPosixFilePermissions(f, FILE);
            }
            return f;
        } catch (IOException e) {
            throw ChirpException.io("cannot create " + f + ": " + e.getMessage(), e);
        }
    }

    /** Restricts an existing file to its owner (a file another library created with the default umask). */
    public static void restrict(Path f) {
        try {
            if (Files.exists(f)) Files.setPosixFilePermissions(f, FILE);
        } catch (IOException e) {
            throw ChirpException.io("cannot restrict " + f + ": " + e.getMessage(), e);
        }
    }
}
