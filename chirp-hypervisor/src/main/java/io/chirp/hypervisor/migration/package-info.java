/**
 * Consistent memory images with a pause of milliseconds, through QEMU's own live-migration machinery.
 *
 * <pre>
 *   QMP migrate -> unix socket (ours) -> MigrationStreamReader -> RAM pages into a sparse scratch file
 *        pre-copy rounds while the guest runs; QEMU pauses it only for the last dirty pages (downtime limit)
 *   MIGRATION completed -> QMP cont at once -> scratch file + RAM layout -> MemoryAcquirer (ELF/LiME, hashed)
 * </pre>
 *
 * Only the RAM sections of the stream are decoded; device state that follows them is drained unread.
 */
package io.chirp.hypervisor.migration;
