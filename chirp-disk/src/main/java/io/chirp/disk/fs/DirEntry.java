package io.chirp.disk.fs;

/**
 * A name in a directory.
 *
 * @param name    the name as stored (decoded as UTF-8 for ext4, from long names or 8.3 for FAT)
 * @param inode   the inode it points to
 * @param type    the type the directory entry claims (may disagree with the inode on a damaged disk)
 * @param deleted true for a name recovered from directory slack: the file was deleted
 */
public record DirEntry(String name, long inode, FileType type, boolean deleted) {}
