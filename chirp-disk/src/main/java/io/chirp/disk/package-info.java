/**
 * Disks of VMs, read from the hypervisor side: block sources, partitions, file systems, timelines, acquisition.
 *
 * <pre>
 *   block.BlockSource  raw file | qcow2 (backing chain) | NBD export | in-memory | slice (a partition)
 *        ^                          ^
 *        |                   live.Fleece: QMP fleecing of a running VM = point-in-time, read-only NBD export
 *   part.Partitions    MBR / GPT -> slices
 *        |
 *   fs.FileSystems     ext4 | FAT32 | "unsupported file system" (never a guessed listing)
 *        |
 *   fs.FileWalker      recursive listing with MACB times -> fs.BodyFile (Sleuth Kit 3.x body format)
 *   fs.Extractor       file bytes by path or inode + SHA-256 into an evidence folder (only real blocks; holes listed)
 *   acquire.DiskAcquisition  whole-disk image (raw/qcow2), hashed while written
 *
 *   every output (image, extracted file, body file) goes through io.chirp.evidence.EvidenceWriter:
 *   owner-only, .partial until complete, FILE.manifest.json, a custody record
 * </pre>
 *
 * Every byte read from a disk is attacker-controlled: parsers bound every loop and allocation, detect cycles, and
 * report damage as {@link io.chirp.core.ChirpException.Kind#CORRUPT} or as a partial result marked as such.
 */
package io.chirp.disk;
