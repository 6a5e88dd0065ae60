package io.chirp.linux.mm;

import java.util.List;

/**
 * One mapping of a process's address space (a VMA), as a line of {@code /proc/PID/maps}.
 *
 * @param start    first address
 * @param end      address after the last
 * @param perms    "rwxp" style: read, write, execute, then s(hared) or p(rivate)
 * @param offset   file offset in bytes (0 for anonymous mappings)
 * @param device   device of the backing file, "major:minor" in hex ("00:00" if none)
 * @param inode    inode of the backing file (0 if none)
 * @param name     backing file path, or [heap], [stack], [vdso], [vvar], [vsyscall]; null for anonymous memory
 * @param vma      address of the vm_area_struct
 * @param problems what could not be read
 */
public record MemoryMap(long start, long end, String perms, long offset, String device, long inode, String name,
                        long vma, List<String> problems) {
    public MemoryMap {
        problems = List.copyOf(problems);
    }

    /** {@return the line /proc/PID/maps would print (without its column padding)} */
    public String procLine() {
        return String.format("%08x-%08x %s %08x %s %d %s", start, end, perms, offset, device, inode,
                name == null ? "" : name).stripTrailing();
    }
}
