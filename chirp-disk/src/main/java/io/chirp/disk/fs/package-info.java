/**
 * File systems over block sources, one model for all of them.
 *
 * <pre>
 *   FileSystems.open(BlockSource)  ext4 | FAT32 | UNAVAILABLE "unsupported file system" (never a guessed listing)
 *        |
 *   FileSystem  readDir(inode) -> DirEntry, stat(inode) -> FileMeta (MACB), copy(inode) -> bytes
 *        |
 *   FileWalker  bounded recursive walk (cycle-checked) -> Listing of FileRecord, partial when damaged
 *        |                                  |
 *   BodyFile (Sleuth Kit 3.x body)     Extractor (by path or inode, SHA-256, evidence folder)
 * </pre>
 *
 * Inode numbers are the file system's own (ext4) or the Sleuth Kit's synthesised addresses (FAT), so listings
 * line up with {@code fls} and {@code icat}.
 */
package io.chirp.disk.fs;
