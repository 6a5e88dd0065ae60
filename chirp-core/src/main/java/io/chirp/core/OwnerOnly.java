package io.chirp.core;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
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

    private OwnerOnly() {}

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
        Files.createFile(f, PosixFilePermissions.asFileAttribute(FILE));
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
