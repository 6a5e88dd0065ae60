package io.chirp.disk.fs;

import java.util.Optional;

/**
 * One file found by a walk: its full path, the directory entry that named it, and the inode's metadata when it
 * could be read. A record whose inode could not be read is still a record, with the reason in {@code problem}.
 */
public record FileRecord(String path, DirEntry entry, Optional<FileMeta> meta, Optional<String> problem) {}
