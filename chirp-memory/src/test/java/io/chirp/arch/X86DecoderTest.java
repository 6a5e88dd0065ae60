package io.chirp.arch;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Instruction boundaries checked against objdump's disassembly of the same bytes. */
class X86DecoderTest {
    private static final long BASE = 0xffffffff8a003320L;
    /** The first 0x8d bytes of Debian 6.1's x64_sys_call: nop5, then a compare tree of cmp/jcc, then a tail jmp. */
    private static final byte[] DISPATCH = HexFormat.of().parseHex(
            "0f1f44000081feb00000000f84430c0000777a83fe560f84330c00000f86e904000081fe820000000f841c0c00000f86b30100"
                    + "0081fe990000000f84050c00000f86ef00000081fea50000000f84ee0b00000f86b200000081feaa0000000f84d70b0000"
                    + "0f861410000081fead0000000f84c00b00000f86f00f000081feaf0000000f85a90b0000e963871400");
    /** endbr64, sub, mov abs32 (SIB), lea rip, movw imm16, movabs, jmp reg, vzeroupper, VEX3, ret, int3, movzx, test Ib, mov, call, nopw, nop, ud2. */
    private static final byte[] MIXED = HexFormat.of().parseHex(
            "f30f1efa4883ec08488b0425281000004c8d05ffffffff66c70424010048b8efcdab8967452301ffe0c5f877c4e27d18c1c3cc"
                    + "0fb6c0f6c1014489c0e8fbffffff660f1f840000000000900f0b");

    @Test
    void dispatcherBoundariesMatchObjdump() {
        assertThat(starts(DISPATCH)).containsExactly(0x0, 0x5, 0xb, 0x11, 0x13, 0x16, 0x1c, 0x22, 0x28, 0x2e, 0x34,
                0x3a, 0x40, 0x46, 0x4c, 0x52, 0x58, 0x5e, 0x64, 0x6a, 0x70, 0x76, 0x7c, 0x82, 0x88);
    }

    @Test
    void mixedInstructionsMatchObjdump() {
        assertThat(starts(MIXED)).containsExactly(0x0, 0x4, 0x8, 0x10, 0x17, 0x1d, 0x27, 0x29, 0x2c, 0x31, 0x32, 0x33,
                0x36, 0x39, 0x3c, 0x41, 0x4a, 0x4b);
    }

    @Test
    void branchTargetsAreDecoded() {
        Sweep s = X86Decoder.sweep(DISPATCH, BASE);
        assertThat(s.resyncs()).isZero();
        assertThat(s.branches()).first().satisfies(b -> {
            assertThat(b.kind()).isEqualTo(Branch.Kind.JCC);
            assertThat(b.target()).isEqualTo(BASE + 0xc54);
        });
        Branch ja = s.branches().get(1);
        assertThat(ja.length()).isEqualTo(2);
        assertThat(ja.target()).isEqualTo(BASE + 0x8d);
        Branch tail = s.branches().getLast();
        assertThat(tail.kind()).isEqualTo(Branch.Kind.JMP);
        assertThat(tail.target()).isEqualTo(BASE + 0x1487f0);
        Branch call = X86Decoder.sweep(MIXED, 0x1000).branches().stream()
                .filter(b -> b.kind() == Branch.Kind.CALL).findFirst().orElseThrow();
        assertThat(call.site()).isEqualTo(0x1000 + 0x3c);
        assertThat(call.target()).isEqualTo(0x1000 + 0x3c); // e8 fb ff ff ff calls itself
    }

    @Test
    void garbageIsSteppedOverNotFatal() {
        byte[] bad = HexFormat.of().parseHex("06060fffc3e900000000c3");
        Sweep s = X86Decoder.sweep(bad, 0);
        assertThat(s.resyncs()).isPositive();
        assertThat(s.branches()).anySatisfy(b -> assertThat(b.kind()).isEqualTo(Branch.Kind.JMP));
        assertThat(X86Decoder.length(new byte[] {0x0f}, 0)).isEqualTo(-1); // truncated
        assertThat(X86Decoder.length(HexFormat.of().parseHex("6666666666666666666666666666669090"), 0)).isEqualTo(-1);
    }

    private static List<Integer> starts(byte[] code) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < code.length; ) {
            out.add(i);
            int n = X86Decoder.length(code, i);
            assertThat(n).as("length at 0x%x", i).isPositive();
            i += n;
        }
        return out;
    }
}
