/** Kernel symbols and types: kallsyms and BTF recovered from guest memory, Volatility 3 ISF in and out. */
package io.chirp.symbols;
