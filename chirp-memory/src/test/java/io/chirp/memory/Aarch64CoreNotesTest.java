package io.chirp.memory;

import io.chirp.core.Aarch64CpuState;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The arm64 NT_PRSTATUS layout: registers at the offsets Linux's user_pt_regs gives them, and back. */
class Aarch64CoreNotesTest {
    @Test
    void registersSitWhereUserPtRegsPutsThem() {
        Map<String, Long> regs = new LinkedHashMap<>();
        for (int i = 0; i <= 30; i++) regs.put("x" + i, 0x1000L + i);
        regs.put("sp", 0xffff_8000_0a00_3f00L);
        regs.put("pc", 0xffff_8000_0801_2344L);
        regs.put("cpsr", 0x6000_03c5L);
        byte[] note = Aarch64CoreNotes.encodePrstatus(new Aarch64CpuState(0, regs, "test"), 1);
        assertThat(note).hasSize(392);
        ByteBuffer b = ByteBuffer.wrap(note).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(b.getInt(32)).isEqualTo(1);                       // pr_pid
        assertThat(b.getLong(112)).isEqualTo(0x1000L);               // x0
        assertThat(b.getLong(112 + 31 * 8)).isEqualTo(0xffff_8000_0a00_3f00L); // sp
        assertThat(b.getLong(112 + 32 * 8)).isEqualTo(0xffff_8000_0801_2344L); // pc
        Aarch64CpuState back = Aarch64CoreNotes.decodePrstatus(3, ByteBuffer.wrap(note));
        assertThat(back.registers()).isEqualTo(regs);
        assertThat(back.pc()).isEqualTo(0xffff_8000_0801_2344L);
        assertThat(back.vcpu()).isEqualTo(3);
        assertThat(back.ttbr1()).isEmpty(); // a core carries no system registers
    }

    @Test
    void aShortNoteIsCorruptNotAnOverread() {
        assertThatThrownBy(() -> Aarch64CoreNotes.decodePrstatus(0, ByteBuffer.allocate(200)))
                .hasMessageContaining("arm64 one is 392");
    }
}
