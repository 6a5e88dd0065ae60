/**
 * Acquisition: writing guest-physical memory to an image file (ELF core like QEMU's dump-guest-memory, or LiME),
 * hashed while writing, through {@link io.chirp.evidence.EvidenceWriter} (partial file, fsync, atomic rename,
 * owner-only, {@code FILE.manifest.json} beside it).
 *
 * <pre>
 *   EvidenceWriter.create(FILE) --(beforeCopy: pause VM)--> chunked copy --> SHA-256 + FILE.partial
 *                               --(afterCopy: resume VM, always)
 *                               --(beforeCommit: caller adds notes, e.g. "source vanished")--> commit: FILE + manifest
 * </pre>
 *
 * A live copy (no hooks) of a running guest is smeared: pages change while earlier ones are already written.
 * The manifest records which method was used and how long the VM was paused; an image whose source vanished
 * during the copy is marked {@code "complete": false}.
 */
package io.chirp.memory.acquire;
