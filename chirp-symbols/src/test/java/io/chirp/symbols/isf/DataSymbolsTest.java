package io.chirp.symbols.isf;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chirp.symbols.KernelSymbols;
import io.chirp.symbols.Symbol;
import io.chirp.symbols.btf.BtfTestKernel;
import io.chirp.symbols.isf.DataSymbols.Check;
import io.chirp.symbols.isf.DataSymbols.Declared;
import io.chirp.symbols.isf.DataSymbols.Outcome;
import io.chirp.symbols.types.TypeModel;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

import static org.assertj.core.api.Assertions.assertThat;

/** The declared symbol types and the checks that keep a wrong entry out of an export. */
class DataSymbolsTest {
    static final long BASE = 0xffffffff82000000L;
    static final long KERNEL_PTR = 0xffff888004a1b000L;

    final TypeModel types = BtfTestKernel.model(); // task_struct is 128 bytes, list_head 16
    final KernelSymbols syms = KernelSymbols.of(List.of(
            new Symbol("init_task", BASE, 'D'),
            new Symbol("after_task", BASE + 128, 'd'),
            new Symbol("modules", BASE + 0x200, 'd'),
            new Symbol("tiny", BASE + 0x210, 'd'),          // only 8 bytes before the next symbol
            new Symbol("user_ptr", BASE + 0x218, 'd'),
            new Symbol("last", BASE + 0x300, 'd')));
    /** Guest memory: a kernel pointer pair at modules, a user-space pointer at user_ptr. */
    final Map<Long, Long> memory = Map.of(BASE + 0x200, KERNEL_PTR, BASE + 0x208, KERNEL_PTR + 8,
            BASE + 0x218, 0x7ffc12340000L, BASE + 0x300, KERNEL_PTR);
    final DataSymbols.ImageReader image = va -> memory.containsKey(va) ? OptionalLong.of(memory.get(va)) : OptionalLong.empty();

    Outcome check(String symbol, String type, Check c) {
        return DataSymbols.check(new Declared(symbol, type, c), syms, types, image).orElseThrow();
    }

    @Test
    void aTypeThatFitsAndExistsIsAccepted() {
        assertThat(check("init_task", "struct task_struct", Check.NONE))
                .isEqualTo(new Outcome.Typed("init_task", types.struct("task_struct").id(), 0, -1));
        assertThat(check("modules", "struct list_head", Check.LIST_HEAD)).isInstanceOf(Outcome.Typed.class);
        assertThat(check("last", "*struct task_struct", Check.POINTER)) // the last symbol has no upper bound
                .isEqualTo(new Outcome.Typed("last", types.struct("task_struct").id(), 1, -1));
        assertThat(check("tiny", "unsigned char[8]", Check.NONE)).isInstanceOf(Outcome.Typed.class);
    }

    @Test
    void eachCheckRejects() {
        assertThat(check("init_task", "struct no_such_thing", Check.NONE))
                .isInstanceOfSatisfying(Outcome.Rejected.class, r -> assertThat(r.why()).contains("no struct no_such_thing"));
        assertThat(check("init_task", "union task_struct", Check.NONE)).isInstanceOf(Outcome.Rejected.class);
        assertThat(check("init_task", "pid_t", Check.NONE)) // typedefs are not base types
                .isInstanceOf(Outcome.Rejected.class);
        assertThat(check("tiny", "struct list_head", Check.NONE))
                .isInstanceOfSatisfying(Outcome.Rejected.class, r -> assertThat(r.why()).contains("16 bytes", "8 bytes after"));
        assertThat(check("tiny", "unsigned char[9]", Check.NONE)).isInstanceOf(Outcome.Rejected.class);
        assertThat(check("user_ptr", "*struct task_struct", Check.POINTER))
                .isInstanceOfSatisfying(Outcome.Rejected.class, r -> assertThat(r.why())
                        .contains("0x7ffc12340000 does not point into the kernel"));
        assertThat(check("after_task", "*struct task_struct", Check.POINTER)) // unreadable
                .isInstanceOfSatisfying(Outcome.Rejected.class, r -> assertThat(r.why()).contains("cannot read"));
        assertThat(check("init_task", "struct list_head", Check.LIST_HEAD)).isInstanceOf(Outcome.Rejected.class);
    }

    @Test
    void symbolsTheKernelDoesNotHaveAreSkippedSilently() {
        assertThat(DataSymbols.check(new Declared("log_first_idx", "unsigned int", Check.NONE), syms, types, image))
                .isEmpty();
    }

    @Test
    void theExportTypesDeclaredSymbolsAndWarnsAboutRejectedOnes() throws Exception {
        KernelSymbols k = KernelSymbols.of(List.of(new Symbol("init_task", BASE, 'D'),
                new Symbol("modules", BASE + 0x200, 'd'), new Symbol("module_kset", BASE + 0x210, 'd'),
                new Symbol("cap_last_cap", BASE + 0x218, 'r'), new Symbol("__bss_stop", BASE + 0x21c, 'B')));
        Map<Long, Long> mem = Map.of(BASE + 0x200, KERNEL_PTR, BASE + 0x208, KERNEL_PTR, BASE + 0x210, 0L);
        IsfWriter.Export e = IsfWriter.toJson(k, types, "Linux version x\n", 0,
                va -> mem.containsKey(va) ? OptionalLong.of(mem.get(va)) : OptionalLong.empty());
        ObjectNode isf = e.isf();
        assertThat(isf.at("/symbols/init_task/type/name").asText()).isEqualTo("task_struct");
        assertThat(isf.at("/symbols/modules/type/name").asText()).isEqualTo("list_head");
        assertThat(isf.at("/symbols/cap_last_cap/type/name").asText()).isEqualTo("int");
        assertThat(isf.at("/symbols/module_kset").has("type")).isFalse(); // NULL, and the test BTF has no kset
        assertThat(e.warnings()).singleElement().asString().startsWith("symbol module_kset left without a type");
        // without guest memory, the memory checks cannot pass
        assertThat(IsfWriter.toJson(k, types, "Linux version x\n", 0).warnings())
                .anySatisfy(w -> assertThat(w).startsWith("symbol modules left without a type"));
        assertThat(IsfSchemas.validate("6.2.0", isf)).isEmpty();
    }
}
