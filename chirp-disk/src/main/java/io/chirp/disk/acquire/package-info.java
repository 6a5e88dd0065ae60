/**
 * Disk acquisition: a whole disk written to an evidence file (raw, or qcow2 through {@code qemu-img convert}),
 * hashed while read, written through {@link io.chirp.evidence.EvidenceWriter} ({@code .partial}, renamed only on
 * success, {@code FILE.manifest.json} beside it, a custody record).
 * For a running VM the source is a fleece, so the image is one consistent point in time.
 */
package io.chirp.disk.acquire;
