/**
 * Carving: kernel objects recovered from slab memory rather than from the lists that normally lead to them, in
 * the manner of Volatility's psscan. A task that exited (its task_struct freed but not yet reused) or that a
 * rootkit unlinked from the task list is still a well-formed task_struct in a page of the {@code task_struct}
 * cache; {@link io.chirp.linux.carve.Slabs} finds those pages through the struct page array, and
 * {@link io.chirp.linux.carve.TaskCarver} keeps only slots that pass structural checks, each marked as carved.
 *
 * <pre>
 *   slab_caches list -> kmem_cache "task_struct" (object size, objects per slab, order)
 *   vmemmap (struct page per pfn) -> slab head pages whose slab_cache is that cache -> object slots
 *   slot -> structural checks (pid ranges, printable comm, kernel pointers, list links) -> CarvedTask
 *   CarvedTask + task list + PID table -> status: listed, exited, hidden
 * </pre>
 *
 * <p>Everything read here is a freed or hostile object: every value is checked before it is trusted, and a
 * slot that fails a check is counted, never reported.
 */
package io.chirp.linux.carve;
