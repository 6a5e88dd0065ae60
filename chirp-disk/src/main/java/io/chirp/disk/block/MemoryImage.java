package io.chirp.disk.block;

/** A disk held in the heap: synthetic file systems for tests and fuzzing, and small extracted images. */
public record MemoryImage(String name, byte[] bytes) implements BlockSource {
    @Override public String describe() { return "in-memory image " + name; }

    @Override public long size() { return bytes.length; }

    @Override
    public void read(long offset, byte[] dst, int dstOffset, int length) {
        BlockSource.checkRange(describe(), bytes.length, offset, length);
        System.arraycopy(bytes, (int) offset, dst, dstOffset, length);
    }

    @Override public void close() {}
}
