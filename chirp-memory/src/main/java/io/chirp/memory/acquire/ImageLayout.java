package io.chirp.memory.acquire;

import io.chirp.core.MemoryRange;

import java.util.List;

/**
 * What an image file consists of, in order: header bytes prepared in advance, and guest-physical ranges
 * copied at write time. Both formats reduce to this, so one copy loop writes either.
 *
 * @param parts the pieces in file order
 */
record ImageLayout(List<Part> parts) {

    /** One piece of the file. */
    sealed interface Part permits Bytes, Data {
        long size();
    }

    /** Bytes known before the copy: headers, notes, padding. */
    record Bytes(byte[] bytes) implements Part {
        @Override public long size() { return bytes.length; }
    }

    /** A guest-physical range, copied from memory at write time. */
    record Data(MemoryRange range) implements Part {
        @Override public long size() { return range.size(); }
    }

    ImageLayout {
        parts = List.copyOf(parts);
    }

    /** {@return the total file size} */
    long size() {
        long total = 0;
        for (Part p : parts) total = Math.addExact(total, p.size());
        return total;
    }

    /** {@return the guest bytes the image will hold} */
    long dataSize() {
        return parts.stream().filter(Data.class::isInstance).mapToLong(Part::size).sum();
    }
}
