package io.chirp.memory;

/**
 * One contiguous piece of guest-physical memory stored in a file.
 *
 * @param gpa        first guest-physical address
 * @param fileOffset where its bytes start in the file
 * @param length     size in bytes
 * @param name       what it is (e.g. "ram", "pc.bios")
 */
public record Segment(long gpa, long fileOffset, long length, String name) {
    public Segment {
        if (length < 0 || fileOffset < 0) throw new IllegalArgumentException("negative segment");
    }

    /** {@return one past the last guest-physical address} */
    public long gpaEnd() { return gpa + length; }
}
