/**
 * Partition tables: MBR (with extended partition chains) and GPT, read into {@link io.chirp.disk.part.Partition}
 * records that become {@link io.chirp.disk.block.Slice}s for the file-system readers.
 */
package io.chirp.disk.part;
