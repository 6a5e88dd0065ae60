/**
 * Recovers the kernel's compressed symbol table (CONFIG_KALLSYMS) from raw guest-physical memory, with no
 * symbol file.
 *
 * <pre>
 *   scan for "0\0".."9\0" ──► TokenTable (256 tokens, verified by kallsyms_token_index)
 *        ──► KallsymsLayout.Variant, tried in turn, each anchored on kallsyms_relative_base / num_syms
 *        ──► NameDecoder (names + markers must land exactly) ──► KernelSymbols
 * </pre>
 *
 * The tables are emitted by scripts/kallsyms.c, whose output order changed across kernels: the layouts are
 * data ({@link io.chirp.symbols.kallsyms.KallsymsLayout.Variant}) and every candidate must validate itself.
 */
package io.chirp.symbols.kallsyms;
