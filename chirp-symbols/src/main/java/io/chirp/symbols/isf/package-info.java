/**
 * Volatility 3 Intermediate Symbol Format (ISF) out and in, over the same {@link io.chirp.symbols.KernelSymbols}
 * and {@link io.chirp.symbols.types.TypeModel} every CHIRP source produces.
 *
 * <pre>
 *   KernelSymbols + TypeModel + banner ──► IsfWriter ──► ISF JSON (schema 6.2.0; Volatility's "linux" flavour)
 *     (+ guest memory, read to check) ──► DataSymbols: types of the data symbols BTF does not describe
 *   analyst's ISF (.json / .json.xz)   ──► IsfReader ──► KernelSymbols (link-time) + TypeModel
 * </pre>
 *
 * ISF has no typedefs or qualifiers (they are resolved away), names every anonymous type and keeps symbol
 * addresses at their link-time values: Volatility applies the KASLR shift it finds itself.
 */
package io.chirp.symbols.isf;
