/**
 * Process address spaces as the kernel describes them: the VMAs behind {@code /proc/PID/maps}.
 *
 * <pre>
 *   task_struct.mm -> mm_struct.mm_mt (maple tree, 6.1+)   MapleTree: node pointers with type bits,
 *                  or mm_struct.mmap  (list, before 6.1)    range_64 / arange_64 pivots and slots, bounded
 *        |
 *   vm_area_struct: start, end, flags, pgoff, vm_file (-> KernelFiles), special mappings ([vdso], [vvar])
 *        |
 *   MemoryMaps -> MemoryMap rows; each VMA must point back to its mm, ordered and disjoint
 * </pre>
 */
package io.chirp.linux.mm;
