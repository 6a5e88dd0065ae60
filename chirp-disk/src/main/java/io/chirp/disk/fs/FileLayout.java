package io.chirp.disk.fs;

import java.util.List;
import java.util.Optional;

/**
 * Where a file's bytes really are, as the file system records them: data ranges in file order (each at a disk
 * offset), and nothing else. Gaps between ranges are holes; a claimed size beyond the last range is bytes the file
 * system has no blocks for. Both are facts for the analyst, not zeros to write out: an inode may claim a terabyte.
 *
 * @param size     the size the inode (or directory entry) claims
 * @param ranges   data ranges, sorted, non-overlapping, inside [0, size)
 * @param inline   the file's bytes when stored in the inode itself (ext4 inline data, fast symlinks)
 * @param problems damage met while mapping (a FAT chain that ends early, overlapping extents), each a skip
 */
public record FileLayout(long size, List<Range> ranges, Optional<byte[]> inline, List<String> problems) {
    public FileLayout {
        ranges = List.copyOf(ranges);
        problems = List.copyOf(problems);
    }

    /**
     * One run of the file.
     *
     * @param offset     offset in the file
     * @param length     bytes
     * @param diskOffset where the bytes are on the volume
     * @param zero       allocated but reads as zeros (an ext4 unwritten extent): no bytes to read
     */
    public record Range(long offset, long length, long diskOffset, boolean zero) {
        public long end() { return offset + length; }
    }

    /** {@return the end of the last byte the file system has storage for (inline bytes or the last range)} */
    public long mappedEnd() {
        if (inline.isPresent()) return Math.min(size, inline.get().length);
        return ranges.isEmpty() ? 0 : ranges.getLast().end();
    }
}
