/**
 * Sources of guest-physical memory: a live guest's shared RAM file, memory images (ELF core, LiME, kdump, raw),
 * and (in {@code acquire}) writing images from live guests.
 *
 * <pre>
 *   info mtree -f text --RamLayout.parse--> Segments (GPA range -> file offset)
 *   RAM backend file  --MemoryImages.openRam(file, layout)--+
 *   image file --MemoryImages.open (format from content)----+--> MappedFileMemory (FFM mmap, zero copy)
 *        ELF core: PT_LOAD p_paddr, PT_NOTE -> CpuState          |
 *        LiME: repeated range headers; raw: offset == GPA   io.chirp.core.PhysicalMemory
 *        raw + RawLayout (--layout): the ranges a snapshot file holds, one after another
 *   kdump / flattened kdump --KdumpBytes (flat records indexed)--KdumpHeader--KdumpReader (bitmap, notes)
 *        --> KdumpMemory (PFN -> descriptor -> zlib/LZO/snappy/zstd page, LRU cache) --> PhysicalMemory
 * </pre>
 *
 * Image headers are attacker-controlled: every count and length is checked against the file size before it is
 * used, and inconsistencies are {@code ChirpException} CORRUPT with a message naming the field.
 */
package io.chirp.memory;
