/**
 * Sources of guest-physical memory: a live guest's shared RAM file, memory images (ELF core, LiME, raw),
 * and acquisition of images from live guests.
 *
 * <pre>
 *   file (RAM backend / image) --mmap (FFM)--> MappedFileMemory (segments: GPA range -> file offset)
 *                                                   |
 *                                          io.chirp.core.PhysicalMemory
 * </pre>
 */
package io.chirp.memory;
