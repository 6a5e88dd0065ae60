/**
 * Acquisition: writing guest-physical memory to an image file (ELF core like QEMU's dump-guest-memory, or LiME),
 * hashing while writing, with a manifest beside it.
 *
 * <pre>
 *   PhysicalMemory --(beforeCopy: pause VM)--> chunked copy --+--> SHA-256
 *                                                             +--> FILE.partial --rename--> FILE
 *                  --(afterCopy: resume VM, always)--------------> FILE.manifest.json
 * </pre>
 *
 * A live copy (no hooks) of a running guest is smeared: pages change while earlier ones are already written.
 * The manifest records which mode was used and how long the VM was paused.
 */
package io.chirp.memory.acquire;
