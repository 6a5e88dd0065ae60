package io.chirp.symbols;

import io.chirp.core.ChirpException;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An immutable kernel symbol table: forward lookup by name and reverse lookup by address.
 *
 * <p>Kernel names are not unique (static functions in different files); {@link #address(String)} answers with
 * the lowest address, which is what the first line of /proc/kallsyms shows. Addresses are compared unsigned:
 * kernel text sits at the top of the address space, absolute per-CPU symbols near zero.
 */
public final class KernelSymbols {
    private final Symbol[] byAddress;
    private final long[] sortKeys;
    private final Map<String, Object> byName;

    private KernelSymbols(Symbol[] byAddress) {
        this.byAddress = byAddress;
        this.sortKeys = new long[byAddress.length];
        for (int i = 0; i < byAddress.length; i++) sortKeys[i] = byAddress[i].address() ^ Long.MIN_VALUE;
        Map<String, Object> names = HashMap.newHashMap(byAddress.length);
        for (Symbol s : byAddress) {
            // One Symbol for the common unique name, a list only for the few duplicated ones.
            names.merge(s.name(), s, (old, add) -> {
                if (old instanceof Symbol first) return new ArrayList<>(List.of(first, (Symbol) add));
                @SuppressWarnings("unchecked") List<Symbol> l = (List<Symbol>) old;
                l.add((Symbol) add);
                return l;
            });
        }
        this.byName = names;
    }

    /** {@return a table of {@code symbols}, in any order} */
    public static KernelSymbols of(List<Symbol> symbols) {
        Symbol[] sorted = symbols.toArray(Symbol[]::new);
        // Stable sort: symbols at equal addresses keep the source's order (as /proc/kallsyms does).
        Arrays.sort(sorted, (a, b) -> Long.compareUnsigned(a.address(), b.address()));
        return new KernelSymbols(sorted);
    }

    /** {@return the number of symbols} */
    public int count() { return byAddress.length; }

    /** {@return all symbols, sorted by address} */
    public List<Symbol> all() { return Collections.unmodifiableList(Arrays.asList(byAddress)); }

    /** {@return the lowest-addressed symbol called {@code name}, if any} */
    public Optional<Symbol> lookup(String name) {
        Object o = byName.get(name);
        if (o == null) return Optional.empty();
        if (o instanceof Symbol s) return Optional.of(s);
        @SuppressWarnings("unchecked") List<Symbol> l = (List<Symbol>) o;
        return Optional.of(l.getFirst());
    }

    /** {@return every symbol called {@code name}, by address} */
    public List<Symbol> allNamed(String name) {
        Object o = byName.get(name);
        if (o == null) return List.of();
        if (o instanceof Symbol s) return List.of(s);
        @SuppressWarnings("unchecked") List<Symbol> l = (List<Symbol>) o;
        return List.copyOf(l);
    }

    /**
     * {@return the address of {@code name}}
     *
     * @throws ChirpException NOT_FOUND if the table has no such symbol
     */
    public long address(String name) {
        return lookup(name).orElseThrow(() -> ChirpException.notFound("kernel symbol " + name + " not found"))
                .address();
    }

    /** {@return the closest symbol at or below {@code address}, with the offset into it; empty below the first} */
    public Optional<SymbolOffset> symbolAt(long address) {
        long key = address ^ Long.MIN_VALUE;
        int i = Arrays.binarySearch(sortKeys, key);
        if (i < 0) {
            i = -i - 2;
            if (i < 0) return Optional.empty();
        } else {
            while (i + 1 < sortKeys.length && sortKeys[i + 1] == key) i++; // last of equal addresses, then back
            while (i > 0 && sortKeys[i - 1] == key) i--;
        }
        Symbol s = byAddress[i];
        return Optional.of(new SymbolOffset(s, address - s.address()));
    }

    /** {@return a copy with every address in the kernel image moved by {@code delta} (e.g. to apply a KASLR slide)} */
    public KernelSymbols relocated(long delta, long imageStartInclusive) {
        List<Symbol> out = new ArrayList<>(byAddress.length);
        for (Symbol s : byAddress) {
            boolean inImage = Long.compareUnsigned(s.address(), imageStartInclusive) >= 0;
            out.add(inImage ? new Symbol(s.name(), s.address() + delta, s.type()) : s);
        }
        return of(out);
    }

    @Override public String toString() { return "KernelSymbols[" + byAddress.length + " symbols]"; }
}
