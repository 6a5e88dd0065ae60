/**
 * ext2/3/4 read in Java.
 *
 * <pre>
 *   Superblock (byte 1024) -> GroupTable (descriptors 32/64-bit, meta_bg) -> Inode (256-byte records, extra times)
 *        Inode -> BlockRuns: extent tree (any depth, cycle-checked) | legacy block map | inline data
 *        directories: linear blocks (htree directories read linearly: their index blocks look like empty entries)
 *                     + names in slack space (deleted)
 * </pre>
 *
 * The journal is not replayed: a live or crashed file system shows what is on disk, as the Sleuth Kit does.
 */
package io.chirp.disk.fs.ext4;
