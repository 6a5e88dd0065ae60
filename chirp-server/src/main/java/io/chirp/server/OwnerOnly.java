package io.chirp.server;

import io.chirp.core.ChirpException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Owner-only files and folders (0600 and 0700): the server's credentials, TLS key and evidence. Created with
 * their permissions in one step, so there is no moment at which another user could open them.
 */
final class OwnerOnly {
    static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");
    static final Set<PosixFilePermission> DIR = PosixFilePermissions.fromString("rwx------");

    private OwnerOnly() {}

    /** {@return {@code dir}, created 0700 if absent (parents too), and set to 0700 if it existed} */
    static Path dir(Path dir) {
        try {
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir.toAbsolutePath().getParent());
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(DIR));
            }
            Files.setPosixFilePermissions(dir, DIR);
            return dir;
        } catch (IOException e) {
            throw ChirpException.io("cannot create " + dir + ": " + e.getMessage(), e);
        }
    }

    static void createFile(Path f) throws IOException {
        Files.createFile(f, PosixFilePermissions.asFileAttribute(FILE));
    }

    /** Restricts an existing file to its owner (a file another library created with the default umask). */
    static void restrict(Path f) {
        try {
            if (Files.exists(f)) Files.setPosixFilePermissions(f, FILE);
        } catch (IOException e) {
            throw ChirpException.io("cannot restrict " + f + ": " + e.getMessage(), e);
        }
    }
}
