/**
 * Block sources: a disk as a flat, read-only run of bytes, whatever holds it.
 *
 * <pre>
 *   BlockSource (sealed)
 *     RawImage     a raw image file (positional reads)
 *     Qcow2Image   qcow2 v2/v3 read in Java: L1/L2, backing chain, compressed and zero clusters
 *     NbdExport    an NBD export on a unix socket (fixed newstyle, NBD_OPT_GO, NBD_CMD_READ)
 *     MemoryImage  bytes in the heap (synthetic disks for tests and fuzzing)
 *     Slice        a window on another source (a partition)
 * </pre>
 *
 * {@link io.chirp.disk.block.DiskImages#open} picks the format from a file's content, not its name.
 */
package io.chirp.disk.block;
