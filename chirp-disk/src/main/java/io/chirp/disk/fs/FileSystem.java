package io.chirp.disk.fs;

import java.io.OutputStream;
import java.util.List;

/**
 * A read-only file system. Not sealed because implementations live in sibling packages (one per format); the
 * contract is small on purpose: names, metadata and bytes, everything else (walking, body files, extraction) is
 * written once on top of it.
 */
public interface FileSystem extends AutoCloseable {
    /** {@return "ext4", "fat32", ...} */
    String type();

    /** {@return the volume label, "" when none} */
    String label();

    /** {@return the root directory's inode} */
    long rootInode();

    /** {@return the entries of directory {@code inode} and what was skipped reading it} */
    Directory readDir(long inode);

    /** {@return the metadata of {@code inode}} */
    FileMeta stat(long inode);

    /**
     * Writes the content of {@code inode} to {@code out}, at most {@code limit} bytes, and returns the count.
     * Holes and unwritten extents read as zeros.
     */
    long copy(long inode, OutputStream out, long limit);

    /** {@return where the bytes of {@code inode} are: data ranges, holes between them, the size it claims} */
    FileLayout layout(long inode);

    /** {@return the volume the file system lives on; {@link FileLayout.Range#diskOffset()} is relative to it} */
    io.chirp.disk.block.BlockSource volume();

    /** {@return damage found in the file system's own metadata (superblock, FAT), found when opening it} */
    default List<String> volumeProblems() { return List.of(); }

    /** {@return names of deleted files found without a directory entry (orphans), as the Sleuth Kit lists them} */
    default List<DirEntry> orphans(java.util.Set<Long> referenced) { return List.of(); }

    @Override
    default void close() {}
}
