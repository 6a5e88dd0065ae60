package io.chirp.memory;

import io.airlift.compress.v3.lzo.LzoDecompressor;
import io.airlift.compress.v3.snappy.SnappyJavaDecompressor;
import io.airlift.compress.v3.zstd.ZstdJavaDecompressor;
import io.chirp.core.ChirpException;
import io.chirp.core.MemoryRange;
import io.chirp.core.PhysicalMemory;
import io.chirp.core.UnmappedException;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Guest-physical memory of a kdump-compressed image. Pages are found through the dumped-pages bitmap (PFN -> rank
 * -> page descriptor) and decompressed on demand into a small LRU cache, so page-table walks and list walks, which
 * touch the same few pages again and again, decompress each page once.
 *
 * <p>Every descriptor is checked before it is used: its data must lie in the file, its compressed size must not
 * exceed a page, it must name exactly one known compression, and the page must decompress to exactly one page. A
 * page that fails any check reads as not available ({@link UnmappedException}, like memory that is not there), is
 * counted in {@link #corruptPages()} and named in {@link #describe()}, so a view over it is partial, never wrong.
 */
final class KdumpMemory implements PhysicalMemory {
    static final int DESCRIPTOR_SIZE = 24;
    static final int ZLIB = 0x1, LZO = 0x2, SNAPPY = 0x4, ZSTD = 0x20;
    /** 256 pages (1 MiB at 4 KiB): the working set of a task-list or page-table walk, bounded. */
    static final int CACHE_PAGES = 256;
    /** Runs of dumped pages beyond this make {@link #ranges()} a memory hazard: such a bitmap is refused. */
    static final int MAX_RANGES = 1 << 20;

    private final ImageFile file;
    private final KdumpBytes bytes;
    private final KdumpHeader header;
    private final long[] dumped;
    private final long[] rankBefore;
    private final List<MemoryRange> ranges;
    private final String description;
    private final int pageShift;
    private final AtomicLong corrupt = new AtomicLong();
    /** Pages found corrupt, so that each is decoded (and counted) once, however often it is read. */
    private final long[] bad;
    private volatile String firstCorruption;
    private final Map<Long, byte[]> cache = new LinkedHashMap<>(CACHE_PAGES * 2, 0.75f, true) {
        @Override protected boolean removeEldestEntry(Map.Entry<Long, byte[]> e) { return size() > CACHE_PAGES; }
    };

    /** Takes ownership of {@code file} (closed with this memory). */
    KdumpMemory(ImageFile file, KdumpBytes bytes, KdumpHeader header, long[] dumped, String description) {
        this.file = file;
        this.bytes = bytes;
        this.header = header;
        this.dumped = dumped;
        this.pageShift = Integer.numberOfTrailingZeros(header.blockSize());
        this.rankBefore = new long[dumped.length];
        this.bad = new long[dumped.length];
        long n = 0;
        for (int i = 0; i < dumped.length; i++) {
            rankBefore[i] = n;
            n += Long.bitCount(dumped[i]);
        }
        long descriptors = n;
        if (descriptors == 0) throw ChirpException.corrupt(file.path() + ": kdump holds no pages");
        if (descriptors > (bytes.size() - header.descriptorOffset()) / DESCRIPTOR_SIZE) {
            throw ChirpException.corrupt(file.path() + ": kdump bitmap names " + descriptors + " pages, but their "
                    + "descriptors at 0x" + Long.toHexString(header.descriptorOffset()) + " run past the end of the"
                    + " file: truncated?");
        }
        this.ranges = runs();
        this.description = description;
    }

    /** The dumped pages as sorted, disjoint runs. */
    private List<MemoryRange> runs() {
        List<MemoryRange> out = new ArrayList<>();
        long pfn = 0, limit = (long) dumped.length * 64;
        while (pfn < limit) {
            long start = next(pfn, true);
            if (start >= limit) break;
            long end = next(start, false);
            if (out.size() >= MAX_RANGES) {
                throw ChirpException.corrupt(file.path() + ": kdump bitmap is fragmented into more than "
                        + MAX_RANGES + " runs: not a dump of a machine");
            }
            out.add(new MemoryRange(start << pageShift, end << pageShift, "kdump"));
            pfn = end;
        }
        return List.copyOf(out);
    }

    /** {@return the first PFN at or after {@code from} whose bit is {@code set}, or the bitmap's end} */
    private long next(long from, boolean set) {
        int w = (int) (from >>> 6);
        if (w >= dumped.length) return (long) dumped.length * 64;
        long word = set ? dumped[w] : ~dumped[w];
        word &= -1L << (from & 63);
        while (word == 0) {
            if (++w >= dumped.length) return (long) dumped.length * 64;
            word = set ? dumped[w] : ~dumped[w];
        }
        return ((long) w << 6) + Long.numberOfTrailingZeros(word);
    }

    private boolean isDumped(long pfn) {
        long w = pfn >>> 6; // compared as a long: an address near 2^64 must not wrap into the array
        return pfn >= 0 && w < dumped.length && (dumped[(int) w] & (1L << (pfn & 63))) != 0;
    }

    @Override public String describe() {
        long bad = corrupt.get();
        return bad == 0 ? description : description + "; " + bad + " corrupt page(s) read as unavailable, first: "
                + firstCorruption;
    }

    @Override public List<MemoryRange> ranges() { return ranges; }

    @Override public boolean isLive() { return false; }

    /** {@return how many pages failed their checks so far (each read as unavailable)} */
    long corruptPages() { return corrupt.get(); }

    KdumpHeader header() { return header; }

    @Override
    public MemorySegment view(long pa, long length) {
        long off = pa & (header.blockSize() - 1);
        if (length < 0 || off + length > header.blockSize()) return null;
        byte[] page = pageOrNull(pa >>> pageShift);
        return page == null ? null : MemorySegment.ofArray(page).asSlice(off, length).asReadOnly();
    }

    @Override
    public void read(long pa, MemorySegment dst, long dstOffset, long length) {
        long done = 0;
        while (done < length) {
            long cur = pa + done;
            long pfn = cur >>> pageShift;
            int off = (int) (cur & (header.blockSize() - 1));
            long n = Math.min(length - done, header.blockSize() - off);
            if (!isDumped(pfn)) throw new UnmappedException(cur, false, "page not in " + description);
            byte[] page = pageOrNull(pfn);
            if (page == null) {
                throw new UnmappedException(cur, false, "corrupt kdump page (" + firstCorruption + ")");
            }
            MemorySegment.copy(MemorySegment.ofArray(page), off, dst, dstOffset + done, n);
            done += n;
        }
    }

    /** {@return the decompressed page, or null if it is not dumped or fails its checks} */
    private byte[] pageOrNull(long pfn) {
        if (!isDumped(pfn)) return null;
        synchronized (cache) {
            byte[] hit = cache.get(pfn);
            if (hit != null) return hit;
            if ((bad[(int) (pfn >>> 6)] & (1L << (pfn & 63))) != 0) return null;
        }
        byte[] page = decode(pfn);
        if (page == null) return null;
        synchronized (cache) {
            cache.put(pfn, page);
        }
        return page;
    }

    private byte[] decode(long pfn) {
        int w = (int) (pfn >>> 6);
        long index = rankBefore[w] + Long.bitCount(dumped[w] & ((1L << (pfn & 63)) - 1));
        byte[] d = new byte[DESCRIPTOR_SIZE];
        if (!bytes.read(header.descriptorOffset() + index * DESCRIPTOR_SIZE, d, 0, DESCRIPTOR_SIZE)) {
            return corrupt(pfn, "its descriptor is not in the file");
        }
        ByteBuffer b = ByteBuffer.wrap(d).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        long offset = b.getLong(0);
        int size = b.getInt(8);
        int flags = b.getInt(12);
        int page = header.blockSize();
        if (size <= 0 || size > page) return corrupt(pfn, "stored size " + Integer.toUnsignedString(size));
        if (offset < header.descriptorOffset()) return corrupt(pfn, "data offset 0x" + Long.toHexString(offset));
        byte[] stored = new byte[size];
        if (!bytes.read(offset, stored, 0, size)) {
            return corrupt(pfn, size + " bytes at 0x" + Long.toHexString(offset) + " are not in the file");
        }
        int kind = flags & (ZLIB | LZO | SNAPPY | ZSTD);
        if (kind == 0) {
            return size == page ? stored : corrupt(pfn, "uncompressed but " + size + " bytes");
        }
        if (Integer.bitCount(kind) != 1) return corrupt(pfn, "flags 0x" + Integer.toHexString(flags));
        byte[] out = new byte[page];
        int n;
        try {
            n = switch (kind) {
                case ZLIB -> inflate(stored, out);
                case LZO -> new LzoDecompressor().decompress(stored, 0, size, out, 0, page);
                case SNAPPY -> {
                    SnappyJavaDecompressor s = new SnappyJavaDecompressor();
                    // the length prefix first: a page that claims to be larger is refused before it is written
                    if (s.getUncompressedLength(stored, 0) != page) yield -1;
                    yield s.decompress(stored, 0, size, out, 0, page);
                }
                default -> {
                    ZstdJavaDecompressor z = new ZstdJavaDecompressor();
                    long claimed = z.getDecompressedSize(stored, 0, size); // -1: the frame does not say
                    if (claimed != page && claimed != -1) yield -1;
                    yield z.decompress(stored, 0, size, out, 0, page);
                }
            };
        } catch (DataFormatException | RuntimeException e) { // MalformedInputException and its kin: bad bytes
            return corrupt(pfn, "does not decompress (" + e.getClass().getSimpleName() + ")");
        }
        return n == page ? out : corrupt(pfn, "decompresses to " + n + " bytes, not " + page);
    }

    /** zlib (RFC 1950, as compress2() writes): exactly one page, and the stream must end there. */
    private static int inflate(byte[] in, byte[] out) throws DataFormatException {
        Inflater inf = new Inflater();
        try {
            inf.setInput(in);
            int n = 0;
            while (n < out.length && !inf.finished()) {
                int k = inf.inflate(out, n, out.length - n);
                if (k == 0 && (inf.needsInput() || inf.needsDictionary())) return -1;
                n += k;
            }
            if (!inf.finished()) {
                // a full page but the stream goes on: more than a page
                byte[] probe = new byte[1];
                if (inf.inflate(probe) > 0 || !inf.finished()) return -1;
            }
            return n;
        } finally {
            inf.end();
        }
    }

    private byte[] corrupt(long pfn, String why) {
        synchronized (cache) {
            long bit = 1L << (pfn & 63);
            int w = (int) (pfn >>> 6);
            if ((bad[w] & bit) != 0) return null;
            bad[w] |= bit;
            if (corrupt.getAndIncrement() == 0) firstCorruption = "PFN 0x" + Long.toHexString(pfn) + ": " + why;
        }
        return null;
    }

    @Override
    public void close() {
        file.close();
    }
}
