package io.chirp.server;

import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;

/** The server's short names for {@link io.chirp.core.OwnerOnly}: its credentials, TLS key and evidence. */
final class OwnerOnly {
    static final Set<PosixFilePermission> FILE = io.chirp.core.OwnerOnly.FILE;
    static final Set<PosixFilePermission> DIR = io.chirp.core.OwnerOnly.DIR;

    private OwnerOnly() {}

    static Path dir(Path dir) { return io.chirp.core.OwnerOnly.dir(dir); }

    static void createFile(Path f) throws IOException { io.chirp.core.OwnerOnly.createFile(f); }

    static void restrict(Path f) { io.chirp.core.OwnerOnly.restrict(f); }
}
