package io.chirp.arch;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static org.assertj.core.api.Assertions.assertThat;

/** Direct-branch decoding of hand-encoded AArch64 words (encodings from the Arm ARM's field layouts). */
class Aarch64DecoderTest {
    private static byte[] words(int... w) {
        ByteBuffer b = ByteBuffer.allocate(4 * w.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int x : w) b.putInt(x);
        return b.array();
    }

    @Test
    void branchesAndTheirTargets() {
        long base = 0xffff_8000_0801_0000L;
        Sweep s = Aarch64Decoder.sweep(words(
                0xd503201f,     // nop
                0x94000002,     // bl   +8
                0x17fffffe,     // b    -8
                0x54000041,     // b.ne +8
                0xb4ffffe0,     // cbz  x0, -4
                0x36000040,     // tbz  w0, #0, +8
                0xd65f03c0),    // ret (indirect: not a direct branch)
                base);
        assertThat(s.resyncs()).isZero();
        assertThat(s.branches()).containsExactly(
                new Branch(base + 4, Branch.Kind.CALL, base + 12, 4),
                new Branch(base + 8, Branch.Kind.JMP, base, 4),
                new Branch(base + 12, Branch.Kind.JCC, base + 20, 4),
                new Branch(base + 16, Branch.Kind.JCC, base + 12, 4),
                new Branch(base + 20, Branch.Kind.JCC, base + 28, 4));
    }

    @Test
    void adrpAddPairsGiveTheAddressesOfGlobals() {
        long base = 0xffff_8000_0814_4200L;
        assertThat(Aarch64Decoder.adrpAddresses(words(
                0xf0000001,     // adrp x1, +3 pages
                0xaa0303e2,     // mov  x2, x3 (interleaved)
                0x91270021,     // add  x1, x1, #0x9c0
                0xf0ffffe2,     // adrp x2, -1 page
                0x91004042,     // add  x2, x2, #0x10
                0xf0000003,     // adrp x3, +3 pages, never completed by an add of x3
                0xd65f03c0),    // ret
                base)).containsExactly(
                (base & ~0xfffL) + 3 * 4096 + 0x9c0,
                ((base + 12) & ~0xfffL) - 4096 + 0x10);
    }

    @Test
    void farBranchesSignExtendAndPartialWordsAreCounted() {
        // b with imm26 = -2^25: 128 MiB back, the furthest a direct branch reaches (why modules need PLTs)
        Sweep s = Aarch64Decoder.sweep(new byte[] {0, 0, 0, 0x16, 1, 2}, 0x1000_0000L);
        assertThat(s.branches()).singleElement().satisfies(b -> assertThat(b.target()).isEqualTo(0x1000_0000L - (128L << 20)));
        assertThat(s.resyncs()).isEqualTo(1);
    }

    @Test
    void architecturesDescribeTheirHooks() {
        assertThat(Aarch64.INSTANCE.breakpoint()).isEqualTo(words(Aarch64Decoder.BRK));
        assertThat(X86_64.INSTANCE.breakpoint()).containsExactly(0xcc);
        assertThat(Aarch64.INSTANCE.currentTask()).isEqualTo(new Architecture.CurrentTask.InRegister("sp_el0"));
        assertThat(Aarch64.INSTANCE.vectorTable().entries() * Aarch64.INSTANCE.vectorTable().entrySize()).isEqualTo(0x800);
        assertThat(Architecture.ofElfMachine(183)).isSameAs(Aarch64.INSTANCE);
        assertThat(Architecture.ofElfMachine(62)).isSameAs(X86_64.INSTANCE);
        assertThat(Architecture.ofElfMachine(3)).isNull();
        assertThat(Aarch64.INSTANCE.generalRegisters()).hasSize(33).startsWith("x0").endsWith("sp", "pc");
    }
}
