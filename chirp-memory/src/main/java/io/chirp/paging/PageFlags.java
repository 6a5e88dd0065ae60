package io.chirp.paging;

/**
 * The effective permissions of a mapping, combined over every level of the walk as the CPU does:
 * writable and user only if every level allows it, no-execute if any level forbids execution.
 *
 * @param writable  R/W set at every level
 * @param user      U/S set at every level (reachable from ring 3)
 * @param noExecute NX set at some level (always false in modes without NX)
 * @param global    G set on the final entry (survives CR3 switches; kernel mappings)
 */
public record PageFlags(boolean writable, boolean user, boolean noExecute, boolean global) {}
