package io.chirp.disk.block;

/**
 * A window [offset, offset+length) of another source, e.g. a partition. Closing a slice does not close its parent.
 * A partition table may claim more than the disk holds: the window is checked against the parent when made.
 */
public record Slice(BlockSource parent, long offset, long length, String name) implements BlockSource {
    public Slice {
        BlockSource.checkRange(parent.describe() + " partition " + name, parent.size(), offset, length);
    }

    @Override public String describe() { return parent.describe() + " [" + name + " at " + offset + "]"; }

    @Override public long size() { return length; }

    @Override
    public void read(long off, byte[] dst, int dstOffset, int len) {
        BlockSource.checkRange(describe(), length, off, len);
        parent.read(offset + off, dst, dstOffset, len);
    }

    @Override public void close() {}
}
