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
 * {@link io.chirp.disk.block.DiskImages#open} reads a file as the operator says ({@link io.chirp.disk.block.ImageFormat}),
 * or guesses qcow2 from its magic. The guess never decides which other files are read: a qcow2 header names its own
 * backing file, and whoever wrote the image chose it ({@code /etc/shadow}, another VM's disk). Backing files are
 * followed only where a {@link io.chirp.disk.block.BackingPolicy} allows (folders given by the operator, judged by
 * real path), with depth and loop limits; a disk taken from a guest is raw and must be read as raw.
 */
package io.chirp.disk.block;
