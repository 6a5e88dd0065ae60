/**
 * Kernel discovery from guest-physical memory alone: where the kernel image is (virtually and physically, i.e.
 * both KASLR slides), its banner, its page-table root and the randomised memory-layout bases.
 *
 * <pre>
 *   KallsymsReader ──► runtime _text (kallsyms_relative_base) and every symbol's runtime VA
 *   BtfScanner     ──► vmlinux BTF blob phys; phys(_text) = phys(BTF) - (__start_BTF - _text)
 *   the image is mapped linearly, so kernel globals are read at physText + (va - virtText): no page walk needed
 * </pre>
 *
 * <p>{@code KernelCache} (on in the {@code chirp} command) keeps the decoded names and the tables' offsets from
 * {@code _text} per kernel, so a later look at the same kernel skips the scan and the decode; every use re-checks the
 * entry against the image (keyed tags of the guest's kallsyms tables and BTF) and re-reads what KASLR moves.
 */
package io.chirp.symbols.kernel;
