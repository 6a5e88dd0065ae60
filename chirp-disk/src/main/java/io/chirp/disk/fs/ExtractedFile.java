package io.chirp.disk.fs;

import java.nio.file.Path;
import java.util.List;

/**
 * A file copied out of a disk image into the evidence folder.
 *
 * @param sourcePath  the path inside the file system ("" when extracted by inode alone)
 * @param inode       the inode extracted
 * @param claimedSize the size the file system claims for it
 * @param size        bytes in the output file (holes inside it read as zeros and are not stored on the host)
 * @param sha256      hex SHA-256 of those {@code size} bytes
 * @param output      where the bytes are
 * @param manifest    the JSON manifest beside it (layout, holes, problems)
 * @param meta        the inode's metadata at extraction time
 * @param holes       byte ranges [offset, offset+length) of the output that no block backs (zeros)
 * @param problems    why the output is not the whole claimed file, or damage met; empty when complete
 */
public record ExtractedFile(String sourcePath, long inode, long claimedSize, long size, String sha256, Path output,
                            Path manifest, FileMeta meta, List<Hole> holes, List<String> problems) {
    public ExtractedFile {
        holes = List.copyOf(holes);
        problems = List.copyOf(problems);
    }

    /** A region without storage. */
    public record Hole(long offset, long length) {}

    /** {@return true when the output holds every byte the file claims and nothing went wrong} */
    public boolean complete() { return size == claimedSize && problems.isEmpty(); }
}
