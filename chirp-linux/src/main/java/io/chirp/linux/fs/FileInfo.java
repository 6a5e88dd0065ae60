package io.chirp.linux.fs;

import java.util.List;

/**
 * What a {@code struct file} refers to, as {@code /proc/PID/fd} would name it. A field that could not be read is
 * null (or 0 for numbers) and {@code problems} says why.
 *
 * @param kind     what sort of file it is
 * @param name     the path ("/mnt/data/secret.txt", with " (deleted)" if unlinked), or a pseudo name as Linux
 *                 prints it ("socket:[10923]", "pipe:[11873]", "anon_inode:[eventpoll]")
 * @param inode    the inode number (i_ino)
 * @param device   the device of the file system (s_dev, Linux's internal encoding: major << 20 | minor)
 * @param flags    open flags (f_flags, O_* bits)
 * @param mode     access mode: "r", "w", "rw" or "-"
 * @param position the file position (f_pos)
 * @param file     address of the struct file
 * @param problems what could not be read
 */
public record FileInfo(Kind kind, String name, long inode, long device, int flags, String mode, long position,
                       long file, List<String> problems) {
    public FileInfo {
        problems = List.copyOf(problems);
    }

    /** What sort of file: the inode's type, refined by the pseudo file systems that name their own files. */
    public enum Kind { REGULAR, DIRECTORY, CHAR_DEVICE, BLOCK_DEVICE, FIFO, PIPE, SOCKET, SYMLINK, ANON_INODE, UNKNOWN }

    /** {@return the device as "major:minor" in hex, as /proc/PID/maps prints it} */
    public String deviceText() {
        return String.format("%02x:%02x", device >>> 20, device & 0xfffff);
    }
}
