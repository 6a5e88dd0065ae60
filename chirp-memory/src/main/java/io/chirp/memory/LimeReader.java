package io.chirp.memory;

import io.chirp.core.ChirpException;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the layout of a LiME image: a header {@code {u32 magic 0x4C694D45, u32 version 1, u64 s_addr,
 * u64 e_addr (inclusive), u8 reserved[8]}} before each range's bytes, repeated to the end of the file.
 */
final class LimeReader {
    static final int MAGIC = 0x4C694D45;
    static final int VERSION = 1;
    static final int HEADER_SIZE = 32;
    /** Every range costs at least 33 bytes of file, so the loop is bounded by the size; this bounds memory too. */
    static final int MAX_RANGES = 1 << 20;

    private LimeReader() {}

    static boolean looksLikeLime(ByteBuffer head) {
        return head.remaining() >= 4 && head.getInt(0) == MAGIC;
    }

    static List<Segment> read(ImageFile f) {
        String where = f.path().toString();
        List<Segment> out = new ArrayList<>();
        long off = 0;
        while (off < f.size()) {
            ByteBuffer h = f.read(off, HEADER_SIZE, "LiME header " + out.size());
            int magic = h.getInt(0);
            int version = h.getInt(4);
            long start = h.getLong(8);
            long last = h.getLong(16);
            if (magic != MAGIC) {
                throw ChirpException.corrupt(where + ": LiME header " + out.size() + " at 0x" + Long.toHexString(off)
                        + " has magic 0x" + Integer.toHexString(magic));
            }
            if (version != VERSION) throw ChirpException.corrupt(where + ": LiME version " + version + ", expected 1");
            long length = last - start + 1;
            if (Long.compareUnsigned(last, start) < 0 || length <= 0) {
                throw ChirpException.corrupt(where + ": LiME range 0x" + Long.toHexString(start) + "-0x"
                        + Long.toHexString(last) + " is empty or inverted");
            }
            long data = off + HEADER_SIZE;
            if (!f.contains(data, length)) {
                throw ChirpException.corrupt(where + ": LiME range 0x" + Long.toHexString(start) + " needs "
                        + length + " bytes at 0x" + Long.toHexString(data) + ", file is " + f.size()
                        + " bytes: truncated image?");
            }
            if (out.size() >= MAX_RANGES) throw ChirpException.corrupt(where + ": more than " + MAX_RANGES + " ranges");
            out.add(new Segment(start, data, length, "lime" + out.size()));
            off = data + length;
        }
        return out;
    }
}
