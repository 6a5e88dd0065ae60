package io.chirp.disk.fs;

import java.util.List;

/**
 * The result of a recursive walk.
 *
 * @param fileSystem the file system type
 * @param records    every file found, in walk order (pre-order, like {@code fls -r})
 * @param problems   damage met on the way (unreadable directories, loops, limits); non-empty means partial
 */
public record Listing(String fileSystem, List<FileRecord> records, List<String> problems) {
    /** {@return true when damage or a limit cut the walk short somewhere} */
    public boolean partial() { return !problems.isEmpty(); }
}
