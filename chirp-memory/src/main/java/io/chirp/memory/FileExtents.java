package io.chirp.memory;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Where a file holds data and where it has holes (and how its mapping will be read), from {@code lseek(SEEK_DATA / SEEK_HOLE)} (Linux 3.1+, on ext4,
 * xfs, btrfs, tmpfs and most others). A guest's RAM file is sparse where the guest never touched its memory, and a
 * raw image of a large guest is often mostly holes: holes read as zeros, so scanners skip them instead of faulting in
 * gigabytes of zero pages.
 *
 * <p>The JDK has no API for this, so libc is called through the FFM linker; where that is not possible (another
 * OS, a file system without support), the answer is "unknown" and callers treat the whole file as data.
 */
final class FileExtents {
    /** Extents listed at most: past them the rest of the file counts as data, so the list stays small. */
    static final int MAX_EXTENTS = 1 << 16;
    private static final int O_RDONLY = 0, O_CLOEXEC = 0x80000, SEEK_DATA = 3, SEEK_HOLE = 4, ENXIO = 6;
    /** madvise(2) advice values (asm-generic/mman-common.h). */
    static final int MADV_NORMAL = 0, MADV_RANDOM = 1;
    private static final MethodHandle OPEN, LSEEK, CLOSE, MADVISE;
    private static final StructLayout CAPTURE;
    private static final VarHandle ERRNO;

    static {
        MethodHandle open = null, lseek = null, close = null, madvise = null;
        StructLayout capture = null;
        VarHandle errno = null;
        try {
            if (System.getProperty("os.name", "").startsWith("Linux")) {
                Linker linker = Linker.nativeLinker();
                SymbolLookup libc = linker.defaultLookup();
                capture = Linker.Option.captureStateLayout();
                errno = capture.varHandle(java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));
                Linker.Option errnoOption = Linker.Option.captureCallState("errno");
                open = linker.downcallHandle(libc.find("open").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT,
                                ValueLayout.JAVA_INT), Linker.Option.firstVariadicArg(2));
                lseek = linker.downcallHandle(libc.find("lseek").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG,
                                ValueLayout.JAVA_INT), errnoOption);
                close = linker.downcallHandle(libc.find("close").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
                madvise = linker.downcallHandle(libc.find("madvise").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG,
                                ValueLayout.JAVA_INT));
            }
        } catch (RuntimeException | LinkageError e) {
            open = lseek = close = madvise = null; // no native access here: every file counts as all data
        }
        OPEN = open;
        LSEEK = lseek;
        CLOSE = close;
        MADVISE = madvise;
        CAPTURE = capture;
        ERRNO = errno;
    }

    private FileExtents() {}

    /**
     * Advises the kernel how a mapping will be read ({@link #MADV_RANDOM}: no read-ahead and no fault-around, for
     * scattered probes; {@link #MADV_NORMAL} again for scans). Only a hint: {@return false if it could not be given}
     */
    static boolean advise(MemorySegment mapping, int advice) {
        if (MADVISE == null || mapping.byteSize() == 0) return false;
        try {
            long start = mapping.address() & -4096L; // madvise wants a page-aligned start
            long len = mapping.address() + mapping.byteSize() - start;
            return (int) MADVISE.invokeExact(MemorySegment.ofAddress(start), len, advice) == 0;
        } catch (Throwable e) {
            return false;
        }
    }

    /**
     * {@return the data extents of {@code file} within [0, size), as sorted, disjoint {start, end} pairs, at most
     * {@code max} of them (the last then reaches to the end); null if unknown (no support, an error)} An empty list:
     * the file is all holes.
     */
    static List<long[]> data(Path file, long size, int max) {
        if (OPEN == null) return null;
        try (Arena arena = Arena.ofConfined()) {
            int fd = (int) OPEN.invokeExact(arena.allocateFrom(file.toString()), O_RDONLY | O_CLOEXEC, 0);
            if (fd < 0) return null;
            try {
                MemorySegment state = arena.allocate(CAPTURE);
                List<long[]> out = new ArrayList<>();
                long pos = 0;
                while (pos < size) {
                    long data = (long) LSEEK.invokeExact(state, fd, pos, SEEK_DATA);
                    if (data < 0) {
                        if ((int) ERRNO.get(state, 0L) == ENXIO) break; // nothing but hole up to the end
                        return null;
                    }
                    if (data >= size) break;
                    long hole = (long) LSEEK.invokeExact(state, fd, data, SEEK_HOLE);
                    if (hole < 0) return null;
                    hole = Math.min(hole, size);
                    if (hole <= data) return null; // the file changed under us: do not guess
                    if (out.size() >= max - 1) { // too fragmented to list: count the rest as data (a superset)
                        out.add(new long[] {data, size});
                        break;
                    }
                    out.add(new long[] {data, hole});
                    pos = hole;
                }
                return out;
            } finally {
                int ignored = (int) CLOSE.invokeExact(fd);
            }
        } catch (Throwable e) {
            return null;
        }
    }
}
