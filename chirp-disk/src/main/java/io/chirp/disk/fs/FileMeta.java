package io.chirp.disk.fs;

import java.util.List;
import java.util.Optional;

/**
 * What an inode says about a file.
 *
 * @param inode       the inode (ext4) or synthesised address (FAT)
 * @param type        file type from the inode
 * @param permissions the low 12 mode bits (rwx, setuid, setgid, sticky)
 * @param uid         owner
 * @param gid         group
 * @param size        size in bytes
 * @param links       hard link count
 * @param times       MACB timestamps
 * @param allocated   whether the file system marks the inode in use
 * @param linkTarget  a symlink's target
 * @param problems    damage found in the inode itself (e.g. a checksum mismatch); the fields are still as stored
 */
public record FileMeta(long inode, FileType type, int permissions, long uid, long gid, long size, int links,
                       Macb times, boolean allocated, Optional<String> linkTarget, List<String> problems) {
    public FileMeta {
        problems = List.copyOf(problems);
    }

    /** {@return the mode as {@code ls -l} shows it, e.g. "-rw-r--r--", "drwxr-xr-x", "lrwxrwxrwx"} */
    public String lsMode() {
        char[] c = tskMode().toCharArray();
        c[0] = switch (type) {
            case REGULAR -> '-';
            case DIRECTORY -> 'd';
            case SYMLINK -> 'l';
            case CHARACTER -> 'c';
            case BLOCK -> 'b';
            case FIFO -> 'p';
            case SOCKET -> 's';
            case VIRTUAL, UNKNOWN -> '?';
        };
        return new String(c);
    }

    /**
     * {@return the Sleuth Kit's mode string for the meta part of a body file, e.g. "rrw-r--r--": the first letter is
     * the Sleuth Kit's type letter ('r' for a regular file, not ls's '-'), as {@code fls -m} writes it and
     * {@code mactime} expects it. For people, see {@link #lsMode()}.}
     */
    public String tskMode() {
        int p = permissions;
        char[] c = new char[10];
        c[0] = type.tskLetter();
        String rwx = "rwxrwxrwx";
        for (int i = 0; i < 9; i++) c[1 + i] = (p & (0400 >> i)) != 0 ? rwx.charAt(i) : '-';
        if ((p & 04000) != 0) c[3] = c[3] == 'x' ? 's' : 'S';
        if ((p & 02000) != 0) c[6] = c[6] == 'x' ? 's' : 'S';
        if ((p & 01000) != 0) c[9] = c[9] == 'x' ? 't' : 'T';
        return new String(c);
    }
}
