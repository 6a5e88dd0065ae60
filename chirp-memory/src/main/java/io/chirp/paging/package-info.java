/**
 * Paging as data: a {@link io.chirp.paging.PagingMode} is a table of levels and an
 * {@link io.chirp.paging.EntryFormat} (x86 4-level, 5-level/LA57, PAE, legacy 32-bit with PSE; AArch64 with 4,
 * 16 and 64 KiB granules, 48- and 52-bit VA, TTBR0/TTBR1 halves), one walker serves them all, and an {@link io.chirp.paging.AddressSpace} reads
 * guest-virtual memory on top of it.
 *
 * <pre>
 *   VirtAddr --AddressSpace.translate--> PageWalker (one entry per level, batched per level)
 *                                            |  reads entries from
 *                                       PhysicalMemory (live RAM file or image)
 *            --> Mapped(pa, page size, flags) | Fault(level, reason)
 * </pre>
 *
 * Page tables come from the guest: a walk is bounded by the number of levels, and an entry that points
 * outside memory is a fault, not an exception. Translations are cached per epoch and for a short time only,
 * because a live guest rewrites its tables while we read. Under KPTI use {@link io.chirp.paging.Kpti#kernelRoot}.
 */
package io.chirp.paging;
