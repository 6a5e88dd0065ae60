/**
 * Kernel symbols and types for a guest, recovered without any debug package, and the one model every other
 * module reads them through.
 *
 * <pre>
 *   PhysicalMemory ──► kallsyms.KallsymsReader ──► KernelSymbols (name ⇄ address)
 *                 └──► btf.BtfScanner/BtfParser ──► types.TypeModel (structs, offsets, sizes)
 *   both ──► kernel.KernelLocator ──► KernelInfo (KASLR bases, banner, page-table root, memory bases)
 *   Volatility 3 ISF ◄──► isf.IsfWriter / isf.IsfReader (same KernelSymbols + TypeModel)
 * </pre>
 *
 * This package holds the source-neutral symbol model; the sub-packages are the sources. Everything decoded
 * here came from guest memory and is treated as hostile: every loop and length is bounded.
 */
package io.chirp.symbols;
