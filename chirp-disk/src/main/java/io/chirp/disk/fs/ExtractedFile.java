package io.chirp.disk.fs;

import java.nio.file.Path;

/**
 * A file copied out of a disk image into the evidence folder.
 *
 * @param sourcePath the path inside the file system ("" when extracted by inode alone)
 * @param inode      the inode extracted
 * @param size       bytes written
 * @param sha256     hex SHA-256 of those bytes, computed while writing
 * @param output     where the bytes are
 * @param meta       the inode's metadata at extraction time
 */
public record ExtractedFile(String sourcePath, long inode, long size, String sha256, Path output, FileMeta meta) {}
