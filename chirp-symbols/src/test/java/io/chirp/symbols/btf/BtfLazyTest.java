package io.chirp.symbols.btf;

import io.chirp.core.ChirpException;
import io.chirp.symbols.types.BtfType;
import io.chirp.symbols.types.TypeModel;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The lazy parse ({@link BtfParser#parseLazy}) against the eager one on a real kernel's BTF (this host's
 * /sys/kernel/btf/vmlinux): every type, and every name lookup, the same.
 */
class BtfLazyTest {
    static final Path HOST_BTF = Path.of("/sys/kernel/btf/vmlinux");

    @Test
    void everyTypeAndEveryLookupEqualsTheEagerParse() throws Exception {
        assertThat(HOST_BTF).as("this host's kernel BTF (CONFIG_DEBUG_INFO_BTF)").exists();
        byte[] blob = Files.readAllBytes(HOST_BTF);
        TypeModel eager = BtfParser.parse(blob);
        TypeModel lazy = BtfParser.parseLazy(blob);
        assertThat(lazy.count()).isEqualTo(eager.count());
        Set<String> names = new LinkedHashSet<>();
        for (int id = 0; id < eager.count(); id++) {
            BtfType t = eager.type(id);
            assertThat(lazy.type(id)).isEqualTo(t);
            if (!t.name().isEmpty()) names.add(t.name());
        }
        names.add("no_such_type_anywhere");
        for (String n : names) {
            assertThat(lazy.findStruct(n)).as("struct " + n).isEqualTo(eager.findStruct(n));
            assertThat(lazy.findNamed(n)).as("named " + n).isEqualTo(eager.findNamed(n));
        }
        assertThat(lazy.offsetOf("task_struct", "tasks")).isEqualTo(eager.offsetOf("task_struct", "tasks"));
        assertThat(lazy.sizeOf("task_struct")).isEqualTo(eager.sizeOf("task_struct"));
    }

    @Test
    void aTypeSectionNotEndingOnATypeOrAnUnknownKindIsCorrupt() throws Exception {
        byte[] blob = Files.readAllBytes(HOST_BTF);
        BtfHeader h = BtfHeader.parse(blob);
        int first = (int) (h.hdrLen() + h.typeOff());
        byte[] unknown = blob.clone();
        unknown[first + 7] = 0x1f; // kind 31 in the first type's info word
        assertThatThrownBy(() -> BtfParser.parseLazy(unknown)).isInstanceOf(ChirpException.class).hasMessageContaining("kind");
        byte[] cut = blob.clone();
        java.nio.ByteBuffer.wrap(cut).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(12, (int) h.typeLen() - 2);
        assertThatThrownBy(() -> BtfParser.parseLazy(cut)).isInstanceOf(ChirpException.class);
    }
}
