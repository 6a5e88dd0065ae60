/**
 * Kernel discovery from guest-physical memory alone: where the kernel image is (virtually and physically, i.e.
 * both KASLR slides), its banner, its page-table root and the randomised memory-layout bases.
 *
 * <pre>
 *   KallsymsReader ──► runtime _text (kallsyms_relative_base) and every symbol's runtime VA
 *   BtfScanner     ──► vmlinux BTF blob phys; phys(_text) = phys(BTF) - (__start_BTF - _text)
 *   the image is mapped linearly, so kernel globals are read at physText + (va - virtText): no page walk needed
 * </pre>
 */
package io.chirp.symbols.kernel;
