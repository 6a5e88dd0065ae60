package io.chirp.symbols;

/**
 * The answer of a reverse lookup: {@code symbol + offset}, as a kernel stack trace prints it.
 *
 * @param symbol the closest symbol at or below the address
 * @param offset bytes from the symbol's start (never negative)
 */
public record SymbolOffset(Symbol symbol, long offset) {
    @Override public String toString() {
        return offset == 0 ? symbol.name() : symbol.name() + "+0x" + Long.toHexString(offset);
    }
}
