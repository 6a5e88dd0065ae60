/**
 * The contracts every other CHIRP module builds on: address types, the physical memory
 * interface, and the one error hierarchy.
 *
 * <pre>
 *   PhysicalMemory (a source: live RAM file, ELF core, LiME, raw, QMP/gdb fallback)
 *        ^
 *   AddressSpace (paging: VirtAddr -> PhysAddr over a PhysicalMemory)
 *        ^
 *   symbols / linux views (typed reads over an AddressSpace)
 * </pre>
 *
 * Everything read through these interfaces comes from the guest and is attacker-controlled.
 */
package io.chirp.core;
