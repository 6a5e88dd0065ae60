/** Coverage-guided fuzz targets (Jazzer) for the disk parsers: qcow2, MBR/GPT, ext4, FAT. */
package io.chirp.disk.fuzz;
