package io.chirp.memory.acquire;

import io.chirp.core.MemoryRange;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/** Lays out a LiME image: for each range a 32-byte header (magic, version 1, first and last GPA), then its bytes. */
final class LimeLayout {
    private static final int MAGIC = 0x4C694D45;

    private LimeLayout() {}

    static ImageLayout of(List<MemoryRange> ranges) {
        List<ImageLayout.Part> parts = new ArrayList<>();
        for (MemoryRange r : ranges) {
            if (r.size() == 0) continue; // LiME cannot express an empty range (e_addr is inclusive)
            byte[] h = ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN)
                    .putInt(MAGIC).putInt(1).putLong(r.start()).putLong(r.end() - 1).array();
            parts.add(new ImageLayout.Bytes(h));
            parts.add(new ImageLayout.Data(r));
        }
        return new ImageLayout(parts);
    }
}
