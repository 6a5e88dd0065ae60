package io.chirp.symbols;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class KernelSymbolsTest {
    final KernelSymbols syms = KernelSymbols.of(List.of(
            new Symbol("b", 0xffffffff81000100L, 't'),
            new Symbol("_text", 0xffffffff81000000L, 'T'),
            new Symbol("dup", 0xffffffff81000200L, 't'),
            new Symbol("dup", 0xffffffff81000180L, 't'),
            new Symbol("percpu", 0x10, 'A')));

    @Test
    void sortsUnsignedAndLooksUpBothWays() {
        assertThat(syms.all()).extracting(Symbol::name).containsExactly("percpu", "_text", "b", "dup", "dup");
        assertThat(syms.address("dup")).isEqualTo(0xffffffff81000180L);
        assertThat(syms.allNamed("dup")).hasSize(2);
        assertThat(syms.symbolAt(0xffffffff81000105L).orElseThrow().toString()).isEqualTo("b+0x5");
        assertThat(syms.symbolAt(0xffffffff81000000L).orElseThrow().toString()).isEqualTo("_text");
        assertThat(syms.symbolAt(0x20).orElseThrow().toString()).isEqualTo("percpu+0x10");
        assertThat(syms.symbolAt(0x5)).isEmpty();
        assertThat(syms.lookup("nope")).isEmpty();
    }

    @Test
    void relocatesOnlyTheImage() {
        KernelSymbols r = syms.relocated(-0x200000, 0xffffffff80000000L);
        assertThat(r.address("_text")).isEqualTo(0xffffffff80e00000L);
        assertThat(r.address("percpu")).isEqualTo(0x10);
    }
}
