package io.chirp.symbols.kallsyms;

/**
 * Where each kallsyms table was found, in guest-physical addresses, and which kernel layout matched.
 *
 * @param variant      the layout that validated
 * @param offsets      {@code kallsyms_offsets} (s32 per symbol)
 * @param relativeBase {@code kallsyms_relative_base}
 * @param numSyms      {@code kallsyms_num_syms}
 * @param names        {@code kallsyms_names}
 * @param markers      {@code kallsyms_markers}
 * @param markerSize   4 (u32) or 8 (older kernels with pointer-sized markers)
 * @param seqsOfNames  {@code kallsyms_seqs_of_names}, or -1 when the kernel has none
 * @param tokenTable   {@code kallsyms_token_table}
 * @param tokenIndex   {@code kallsyms_token_index}
 * @param count        number of symbols
 * @param baseValue    the value of {@code kallsyms_relative_base}: the runtime (KASLR) address of {@code _text}
 * @param absolutePercpu true if non-negative offsets are absolute (CONFIG_KALLSYMS_ABSOLUTE_PERCPU)
 */
public record KallsymsLayout(Variant variant, long offsets, long relativeBase, long numSyms, long names, long markers,
                             int markerSize, long seqsOfNames, long tokenTable, long tokenIndex, int count,
                             long baseValue, boolean absolutePercpu) {

    /** The output orders of scripts/kallsyms.c that we know. */
    public enum Variant {
        /** Up to 6.1 upstream: offsets | relative_base | num_syms | names | markers | token_table | token_index. */
        BASE_FIRST,
        /** 6.2-6.3, and Debian 6.1.y (backport): as {@link #BASE_FIRST} with seqs_of_names after the markers. */
        BASE_FIRST_WITH_SEQS,
        /** 6.4+: num_syms | names | markers | token_table | token_index | offsets | relative_base | seqs_of_names. */
        NUM_SYMS_FIRST
    }

    /** {@return the runtime address of a symbol given its raw {@code kallsyms_offsets} entry} */
    public long address(int rawOffset) {
        if (!absolutePercpu) return baseValue + (rawOffset & 0xffffffffL);
        return rawOffset >= 0 ? rawOffset : baseValue - 1 - rawOffset;
    }
}
