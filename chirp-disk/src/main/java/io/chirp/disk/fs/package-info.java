/**
 * File systems over block sources, one model for all of them.
 *
 * <pre>
 *   FileSystems.open(BlockSource)  ext4 | FAT32 | UNAVAILABLE "unsupported file system" (never a guessed listing)
 *        |
 *   FileSystem  readDir(inode) -> Directory (entries + problems), stat(inode) -> FileMeta (MACB, problems),
 *               layout(inode) -> FileLayout (data ranges; holes and unbacked sizes are facts, not zeros)
 *        |
 *   FileWalker  bounded recursive walk (cycle-checked) -> Listing of FileRecord, partial when damaged
 *        |                                  |
 *   BodyFile (Sleuth Kit 3.x body)     Extractor (by path or inode, SHA-256, evidence folder)
 * </pre>
 *
 * Damage is never silent: a skipped directory entry, a checksum mismatch, a size beyond the blocks is a problem
 * string that makes the listing (or extraction) partial. Names are decoded losslessly and shown through
 * {@link io.chirp.disk.fs.GuestNames#escape}.
 *
 * Inode numbers are the file system's own (ext4) or the Sleuth Kit's synthesised addresses (FAT), so listings
 * line up with {@code fls} and {@code icat}.
 */
package io.chirp.disk.fs;
