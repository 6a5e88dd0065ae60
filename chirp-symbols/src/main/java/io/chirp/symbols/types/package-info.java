/**
 * The source-neutral C type model: {@link io.chirp.symbols.types.BtfType}, a sealed family of records that
 * mirrors the BTF kinds (BTF is a complete, compact model of C types), and
 * {@link io.chirp.symbols.types.TypeModel}, which answers the questions walkers ask: sizes, member offsets,
 * dotted member paths through anonymous structs and unions, typedef/qualifier chains.
 *
 * <p>Both the BTF parser and the Volatility ISF reader produce this model, so code that reads kernel structures
 * does not care where the types came from. Type ids are indices into the model; id 0 is {@code void}.
 */
package io.chirp.symbols.types;
