package io.chirp.symbols;

import java.util.Objects;

/**
 * One kernel symbol.
 *
 * @param name    the symbol name as /proc/kallsyms prints it
 * @param address its runtime virtual address (or an absolute value, e.g. a per-CPU offset)
 * @param type    the nm-style type letter ('T' global text, 'd' local data, ...; '?' when the source has none)
 */
public record Symbol(String name, long address, char type) {
    public Symbol {
        Objects.requireNonNull(name, "name");
    }

    @Override public String toString() {
        return String.format("%016x %c %s", address, type, name);
    }
}
