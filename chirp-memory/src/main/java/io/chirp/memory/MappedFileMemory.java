package io.chirp.memory;

import io.chirp.core.ChirpException;
import io.chirp.core.MemoryRange;
import io.chirp.core.PhysicalMemory;
import io.chirp.core.UnmappedException;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Physical memory backed by a memory-mapped file: a live guest's RAM backend file, or a memory image.
 * The file is mapped read-only once, as one {@link MemorySegment} (no 2 GiB limit); reads are zero-copy
 * views or bulk copies out of it. Segments map guest-physical ranges onto file offsets, because above
 * ~3 GiB of RAM the file offset is no longer the guest-physical address.
 *
 * <p>Two hazards of mapped files are handled here. <b>Holes</b>: a sparse file (a guest's RAM file where it never
 * touched memory, a raw image written sparsely) reads as zeros there; {@link #populated()} lists where data is, from
 * {@code SEEK_DATA}/{@code SEEK_HOLE}, so that scans skip the rest. <b>Shrinking</b>: if the file is truncated
 * under the mapping (the VM was stopped and its RAM file removed or resized), a read of the lost part raises SIGBUS,
 * which the JVM reports as an {@link InternalError}; reads here, and callers of {@link #view} through
 * {@link #accessFault}, turn it into a {@link ChirpException} that says the file shrank.
 */
public final class MappedFileMemory implements PhysicalMemory {
    private final Path file;
    private final String description;
    private final boolean live;
    private final Arena arena;
    private final MemorySegment mapping;
    private final Segment[] segments;
    private final long[] starts;
    private final List<MemoryRange> ranges;
    private final long mappedSize;
    /** An image's data extents, once known (a live RAM file's are asked for each time: holes fill as it runs). */
    private volatile List<MemoryRange> populated;

    private MappedFileMemory(Path file, List<Segment> segments, boolean live, String description) {
        this.file = file;
        this.live = live;
        this.description = description;
        List<Segment> sorted = new ArrayList<>(segments);
        sorted.sort(Comparator.comparingLong(Segment::gpa));
        this.segments = sorted.toArray(Segment[]::new);
        this.starts = sorted.stream().mapToLong(Segment::gpa).toArray();
        this.ranges = sorted.stream().map(s -> new MemoryRange(s.gpa(), s.gpaEnd(), s.name())).toList();
        this.arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            this.mappedSize = size;
            for (Segment s : sorted) {
                if (s.fileOffset() + s.length() > size) {
                    throw ChirpException.corrupt(file + ": segment at GPA 0x" + Long.toHexString(s.gpa())
                            + " extends past the end of the file (truncated image?)");
                }
            }
            this.mapping = size == 0 ? MemorySegment.NULL : ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
        } catch (IOException e) {
            arena.close();
            throw ChirpException.io("cannot map " + file + ": " + e.getMessage()
                    + " (readable by this user? for a large file check ulimit -v and vm.max_map_count)", e);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /**
     * Maps {@code file} with the given segments.
     *
     * @param live true for a running guest's RAM file (contents change while read)
     */
    public static MappedFileMemory open(Path file, List<Segment> segments, boolean live, String description) {
        return new MappedFileMemory(file, segments, live, description);
    }

    @Override public String describe() { return description; }

    @Override public List<MemoryRange> ranges() { return ranges; }

    @Override public boolean isLive() { return live; }

    /** {@return the file this memory is mapped from} */
    public Path file() { return file; }

    /** {@return the segments, sorted by guest-physical address} */
    public List<Segment> segments() { return List.of(segments); }

    @Override
    public void scatteredReads(boolean scattered) {
        FileExtents.advise(mapping, scattered ? FileExtents.MADV_RANDOM : FileExtents.MADV_NORMAL);
    }

    @Override
    public List<MemoryRange> populated() {
        List<MemoryRange> known = populated;
        if (known != null) return known;
        List<long[]> extents = FileExtents.data(file, mappedSize, FileExtents.MAX_EXTENTS);
        List<MemoryRange> out = extents == null ? ranges : onSegments(extents);
        if (!live) populated = out;
        return out;
    }

    /** Maps file data extents (sorted {start, end} file offsets) onto the guest-physical ranges they back. */
    private List<MemoryRange> onSegments(List<long[]> extents) {
        List<MemoryRange> out = new ArrayList<>();
        for (Segment s : segments) {
            long from = s.fileOffset(), to = s.fileOffset() + s.length();
            int lo = 0, hi = extents.size();
            while (lo < hi) { // first extent that ends after the segment starts
                int mid = (lo + hi) >>> 1;
                if (extents.get(mid)[1] <= from) lo = mid + 1; else hi = mid;
            }
            for (int i = lo; i < extents.size() && extents.get(i)[0] < to; i++) {
                long a = Math.max(from, extents.get(i)[0]), b = Math.min(to, extents.get(i)[1]);
                if (a < b) out.add(new MemoryRange(s.gpa() + (a - from), s.gpa() + (b - from), s.name()));
            }
        }
        return List.copyOf(out);
    }

    /**
     * {@return the error for a fault reading the mapping} The usual cause is a file that shrank under the mapping;
     * its size now tells.
     */
    @Override
    public ChirpException accessFault(Throwable fault) {
        long now;
        try {
            now = java.nio.file.Files.size(file);
        } catch (IOException | RuntimeException e) {
            now = -1;
        }
        String what = live ? "the RAM file " + file : "the image " + file;
        if (now >= 0 && now < mappedSize) {
            return ChirpException.io(what + " shrank from " + mappedSize + " to " + now + " bytes while mapped"
                    + (live ? " (the VM was stopped or resized): attach again" : " (truncated while open)"), fault);
        }
        if (now < 0) {
            return ChirpException.io(what + " is gone or unreadable while mapped"
                    + (live ? " (the VM was stopped or resized): attach again" : ""), fault);
        }
        return ChirpException.io("reading " + what + " faulted (" + fault.getMessage() + ")", fault);
    }

    private int find(long pa) {
        int lo = 0, hi = starts.length - 1, found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (Long.compareUnsigned(starts[mid], pa) <= 0) { found = mid; lo = mid + 1; } else hi = mid - 1;
        }
        if (found >= 0 && Long.compareUnsigned(pa - segments[found].gpa(), segments[found].length()) < 0) return found;
        return -1;
    }

    @Override
    public MemorySegment view(long pa, long length) {
        int i = find(pa);
        if (i < 0) return null;
        Segment s = segments[i];
        long off = pa - s.gpa();
        if (length > s.length() - off) return null;
        return mapping.asSlice(s.fileOffset() + off, length);
    }

    @Override
    public void read(long pa, MemorySegment dst, long dstOffset, long length) {
        long done = 0;
        while (done < length) {
            long cur = pa + done;
            int i = find(cur);
            if (i < 0) throw new UnmappedException(cur, false, "no RAM there in " + description);
            Segment s = segments[i];
            long off = cur - s.gpa();
            long n = Math.min(length - done, s.length() - off);
            try {
                MemorySegment.copy(mapping, s.fileOffset() + off, dst, dstOffset + done, n);
            } catch (InternalError e) {
                if (PhysicalMemory.isAccessFault(e)) throw accessFault(e);
                throw e;
            }
            done += n;
        }
    }

    @Override
    public long readLong(long pa) {
        int i = find(pa);
        if (i >= 0) {
            Segment s = segments[i];
            long off = pa - s.gpa();
            if (off + 8 <= s.length()) {
                try {
                    return mapping.get(LONG, s.fileOffset() + off);
                } catch (InternalError e) {
                    if (PhysicalMemory.isAccessFault(e)) throw accessFault(e);
                    throw e;
                }
            }
        }
        return PhysicalMemory.super.readLong(pa);
    }

    @Override
    public void close() {
        arena.close();
    }
}
