package io.chirp.disk.fs;

import java.time.Instant;
import java.util.Optional;

/**
 * The four timestamps of a file (modified, accessed, changed, born), each absent when the file system has none
 * (ext4 inodes too small for crtime, FAT's missing ctime).
 */
public record Macb(Optional<Instant> modified, Optional<Instant> accessed, Optional<Instant> changed,
                   Optional<Instant> born) {
    /** No timestamps at all. */
    public static final Macb NONE = new Macb(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());

    /** {@return seconds since the epoch, or 0 when absent, as body files write it} */
    public static long epochSeconds(Optional<Instant> t) { return t.map(Instant::getEpochSecond).orElse(0L); }
}
