package io.chirp.memory;

import io.chirp.core.CpuState;
import io.chirp.core.PhysicalMemory;

import java.nio.file.Path;
import java.util.List;

/**
 * An opened memory image: its guest-physical memory (zero-copy, mapped from the file) and what the image says
 * about itself. Closing it unmaps the file.
 *
 * @param file     the image file
 * @param format   the format recognised from its content
 * @param memory   the guest-physical memory it holds
 * @param segments where each GPA range lives in the file (empty for kdump: its pages are compressed one by one)
 * @param cpus     per-vCPU state from the image's notes (ELF cores and kdump; empty otherwise)
 */
public record MemoryImage(Path file, ImageFormat format, PhysicalMemory memory, List<Segment> segments,
                          List<CpuState> cpus) implements AutoCloseable {
    public MemoryImage {
        segments = List.copyOf(segments);
        cpus = List.copyOf(cpus);
    }

    @Override
    public void close() {
        memory.close();
    }
}
