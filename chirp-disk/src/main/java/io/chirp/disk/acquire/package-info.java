/**
 * Disk acquisition: a whole disk written to an evidence file (raw, or qcow2 through {@code qemu-img convert}),
 * hashed while read, written as {@code .partial} and renamed only on success, with a JSON manifest beside it.
 * For a running VM the source is a fleece, so the image is one consistent point in time.
 */
package io.chirp.disk.acquire;
