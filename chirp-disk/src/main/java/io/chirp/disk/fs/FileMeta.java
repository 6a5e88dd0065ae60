package io.chirp.disk.fs;

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
 */
public record FileMeta(long inode, FileType type, int permissions, long uid, long gid, long size, int links,
                       Macb times, boolean allocated, Optional<String> linkTarget) {

    /** {@return the Sleuth Kit style mode string for the meta part, e.g. "rrw-r--r--"} */
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
