package io.chirp.linux.fs;

import io.chirp.core.ChirpException;
import io.chirp.linux.KernelReader;
import io.chirp.linux.Layout;
import io.chirp.linux.LinuxKernel;

import java.util.ArrayList;
import java.util.List;

/**
 * A process's file descriptor table: {@code task->files->fdt->fd[0 .. max_fds)}, each non-NULL slot a
 * {@code struct file *}. The guest decides {@code max_fds}; at most {@link #MAX_FDS} slots are read, and a table
 * that is larger or cannot be read to its end comes back marked incomplete.
 */
public final class FdTable {
    /** The most descriptor slots read per process (Linux's default nr_open is 1M; real tables are far smaller). */
    public static final int MAX_FDS = 1 << 16;
    private static final int CHUNK = 512;

    /**
     * One open descriptor.
     *
     * @param fd   the descriptor number
     * @param file address of its struct file
     */
    public record Slot(int fd, long file) {}

    /**
     * The descriptors of one process.
     *
     * @param slots    the open descriptors, in fd order
     * @param complete false if the table was truncated or partly unreadable
     * @param problem  why it is incomplete ("" when complete)
     */
    public record Slots(List<Slot> slots, boolean complete, String problem) {
        public Slots { slots = List.copyOf(slots); }
    }

    private final KernelReader r;
    private final long taskFiles, filesFdt, fdtMaxFds, fdtFd;

    public FdTable(LinuxKernel k) {
        this.r = k.reader();
        Layout l = k.layout();
        taskFiles = l.offset("task_struct", "files");
        filesFdt = l.offset("files_struct", "fdt");
        fdtMaxFds = l.offset("fdtable", "max_fds");
        fdtFd = l.offset("fdtable", "fd");
    }

    /** {@return the open descriptors of the task at {@code task} (empty for a task without files, e.g. a zombie)} */
    public Slots of(long task) {
        List<Slot> out = new ArrayList<>();
        long array;
        int max;
        try {
            long files = r.u64(task + taskFiles);
            if (files == 0) return new Slots(out, true, "");
            long fdt = r.u64(files + filesFdt);
            max = r.u32(fdt + fdtMaxFds);
            array = r.u64(fdt + fdtFd);
        } catch (ChirpException e) {
            return new Slots(out, false, "descriptor table unreadable: " + e.getMessage());
        }
        if (max < 0) return new Slots(out, false, "max_fds " + Integer.toUnsignedString(max) + " is not plausible");
        int n = Math.min(max, MAX_FDS);
        // Read the pointer array a chunk at a time: one unmapped page loses that chunk, not the table.
        for (int from = 0; from < n; from += CHUNK) {
            int count = Math.min(CHUNK, n - from);
            byte[] b;
            try {
                b = r.bytes(array + 8L * from, 8 * count);
            } catch (ChirpException e) {
                return new Slots(out, false, "fd array unreadable from fd " + from + ": " + e.getMessage());
            }
            java.nio.ByteBuffer bb = java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < count; i++) {
                long f = bb.getLong(8 * i);
                if (f != 0) out.add(new Slot(from + i, f));
            }
        }
        if (max > MAX_FDS) return new Slots(out, false, "only the first " + MAX_FDS + " of " + max + " slots read");
        return new Slots(out, true, "");
    }
}
