package io.chirp.memory;

import io.chirp.core.ChirpException;
import io.chirp.core.CpuState;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;

/**
 * Opens a kdump-compressed image, plain or flattened: headers ({@link KdumpHeader}), the dumped-pages bitmap (into
 * the heap, bounded by {@link KdumpHeader#MAX_BITMAP_BYTES}), and the ELF notes with the vCPU registers. Pages stay
 * in the file until read ({@link KdumpMemory}).
 */
final class KdumpReader {
    /** The bitmap is read in chunks of this size (a header read is bounded by {@link ImageFile#MAX_HEADER_BYTES}). */
    private static final int BITMAP_CHUNK = 1 << 20;

    /** An opened image: its memory (owning the file) and the vCPU states from its notes. */
    record Opened(KdumpMemory memory, List<CpuState> cpus, boolean flattened) {}

    private KdumpReader() {}

    /** {@return true if {@code head} starts a kdump-compressed file or a flattened one} */
    static boolean looksLikeKdump(ByteBuffer head) {
        return KdumpHeader.looksLikeKdump(head) || KdumpBytes.looksFlattened(head);
    }

    static Opened open(Path path) {
        ImageFile f = ImageFile.open(path);
        try {
            ByteBuffer head = f.read(0, Math.min(f.size(), 64), "first bytes");
            boolean flat = KdumpBytes.looksFlattened(head);
            KdumpBytes bytes = flat ? new KdumpBytes.Flattened(f) : new KdumpBytes.Plain(f);
            KdumpHeader h = KdumpHeader.read(bytes, f);
            long[] dumped = dumpedPages(bytes, f, h);
            List<CpuState> cpus = List.of();
            if (h.noteSize() > 0) {
                cpus = ElfCoreReader.cpus(ElfNote.parseAll(
                        bytes.header(f, h.noteOffset(), h.noteSize(), "kdump ELF notes"), path.toString()));
            }
            String desc = (flat ? "flattened " : "") + "kdump-compressed image " + path + " ("
                    + (h.release().isEmpty() ? "" : "kernel " + h.release() + ", ") + h.blockSize() + "-byte pages"
                    + (h.split() ? ", split part PFN " + h.startPfn() + "-" + h.endPfn() : "")
                    + (h.incomplete() ? ", INCOMPLETE: the dumper ran out of space" : "")
                    + (bytes instanceof KdumpBytes.Flattened fl && fl.truncated() ? ", truncated: no end record" : "")
                    + ", decompressed on read)";
            return new Opened(new KdumpMemory(f, bytes, h, dumped, desc), cpus, flat);
        } catch (RuntimeException e) {
            f.close();
            throw e;
        }
    }

    /**
     * Reads bitmap 2 (pages dumped) as 64-bit words, PFN {@code p} at bit {@code p % 64} of word {@code p / 64}
     * (the file's bytes are LSB-first, little-endian words are the same order). Bits past max_mapnr and, for a
     * split part, outside its PFN range are cleared: they name no descriptor.
     */
    static long[] dumpedPages(KdumpBytes bytes, ImageFile f, KdumpHeader h) {
        long need = (h.maxMapnr() + 7) / 8;
        if (need > f.size()) { // a flattened file's logical size is what its records claim: check against the real one
            throw ChirpException.corrupt(f.path() + ": kdump bitmap of " + need + " bytes is larger than the file");
        }
        long[] words = new long[(int) ((h.maxMapnr() + 63) / 64)];
        long base = h.bitmapOffset() + h.bitmapBytes();
        for (long off = 0; off < need; off += BITMAP_CHUNK) {
            int n = (int) Math.min(BITMAP_CHUNK, need - off);
            ByteBuffer b = bytes.header(f, base + off, n, "kdump bitmap of dumped pages");
            for (int i = 0; i < n; i++) {
                long byteIndex = off + i;
                words[(int) (byteIndex >>> 3)] |= (b.get(i) & 0xffL) << ((byteIndex & 7) * 8);
            }
        }
        clearOutside(words, h.startPfn(), h.endPfn());
        return words;
    }

    /** Clears every bit below {@code from} and at or above {@code to}. */
    static void clearOutside(long[] words, long from, long to) {
        for (int w = 0; w < words.length; w++) {
            long lo = (long) w << 6, hi = lo + 64;
            if (hi <= from || lo >= to) {
                words[w] = 0;
                continue;
            }
            if (from > lo) words[w] &= -1L << (from - lo);
            if (to < hi) words[w] &= (1L << (to - lo)) - 1;
        }
    }
}
