package io.chirp.paging;

import io.chirp.core.VirtAddr;

import java.util.List;

/**
 * The result of a tolerant virtual read: bytes with every unreadable range zero-filled and reported, so the
 * zeroes are never mistaken for data.
 *
 * @param start the first virtual address read
 * @param bytes the data, holes zero-filled
 * @param holes the unreadable ranges, in address order, adjacent ones merged
 */
public record MappedBytes(VirtAddr start, byte[] bytes, List<Hole> holes) {

    /**
     * A range that could not be read.
     *
     * @param start  first virtual address of the hole
     * @param length bytes
     * @param reason why (the page fault, or a physical address with no memory)
     */
    public record Hole(VirtAddr start, long length, String reason) {}

    public MappedBytes {
        holes = List.copyOf(holes);
    }

    /** {@return true if every byte was read} */
    public boolean complete() { return holes.isEmpty(); }

    /** {@return how many bytes are holes} */
    public long missing() { return holes.stream().mapToLong(Hole::length).sum(); }
}
