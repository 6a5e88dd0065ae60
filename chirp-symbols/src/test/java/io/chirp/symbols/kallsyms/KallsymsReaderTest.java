package io.chirp.symbols.kallsyms;

import io.chirp.core.ChirpException;
import io.chirp.core.PhysicalMemory;
import io.chirp.symbols.Symbol;
import io.chirp.symbols.kallsyms.KallsymsLayout.Variant;
import io.chirp.symbols.lab.ImageFile;
import io.chirp.symbols.scan.PatternScanner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class KallsymsReaderTest {
    static final long BASE = 0xffffffff8da00000L;
    static final int AT = 1 << 20;

    @TempDir Path dir;

    @ParameterizedTest
    @EnumSource(Variant.class)
    void decodesEveryLayoutExactly(Variant v) {
        List<Symbol> syms = SyntheticKallsyms.symbols(BASE, 3000);
        byte[] img = SyntheticKallsyms.image(4 << 20, AT, SyntheticKallsyms.tables(syms, BASE, v, true));
        try (PhysicalMemory mem = ImageFile.map(dir, img)) {
            KallsymsReader.Kallsyms k = new KallsymsReader(new PatternScanner(4096)).read(mem);
            assertThat(k.layout().variant()).isEqualTo(v);
            assertThat(k.layout().count()).isEqualTo(3000);
            assertThat(k.layout().baseValue()).isEqualTo(BASE);
            assertThat(k.layout().absolutePercpu()).isTrue();
            assertThat(k.symbols().all()).containsExactlyElementsOf(syms);
            assertThat(k.symbols().address("_text")).isEqualTo(BASE);
            assertThat(k.symbols().address("cpu_number")).isEqualTo(0x1000);
            assertThat(k.layout().seqsOfNames() >= 0).isEqualTo(v != Variant.BASE_FIRST);
        }
    }

    @Test
    void plainBaseRelativeOffsets() {
        List<Symbol> syms = SyntheticKallsyms.symbols(BASE, 1500).subList(2, 1500); // no absolute symbols
        byte[] img = SyntheticKallsyms.image(4 << 20, AT,
                SyntheticKallsyms.tables(syms, BASE, Variant.BASE_FIRST_WITH_SEQS, false));
        try (PhysicalMemory mem = ImageFile.map(dir, img)) {
            KallsymsReader.Kallsyms k = new KallsymsReader().read(mem);
            assertThat(k.layout().absolutePercpu()).isFalse();
            assertThat(k.symbols().all()).containsExactlyElementsOf(syms);
        }
    }

    @Test
    void aCorruptMarkerIsRejected() {
        List<Symbol> syms = SyntheticKallsyms.symbols(BASE, 3000);
        byte[] tables = SyntheticKallsyms.tables(syms, BASE, Variant.BASE_FIRST_WITH_SEQS, true);
        // find the markers: the second marker is the offset of entry 256, a small u32 right after the names
        KallsymsReader.Kallsyms good;
        try (PhysicalMemory mem = ImageFile.map(dir, SyntheticKallsyms.image(4 << 20, AT, tables))) {
            good = new KallsymsReader().read(mem);
        }
        int m1 = (int) (good.layout().markers() - AT) + 4;
        ByteBuffer.wrap(tables).order(ByteOrder.LITTLE_ENDIAN).putInt(m1, ByteBuffer.wrap(tables)
                .order(ByteOrder.LITTLE_ENDIAN).getInt(m1) + 1);
        try (PhysicalMemory mem = ImageFile.map(dir, SyntheticKallsyms.image(4 << 20, AT, tables))) {
            assertThatThrownBy(() -> new KallsymsReader().read(mem))
                    .isInstanceOfSatisfying(ChirpException.class,
                            e -> assertThat(e.kind()).isEqualTo(ChirpException.Kind.NOT_FOUND))
                    .hasMessageContaining("1 confirmed by a token index");
        }
    }

    @Test
    void hostileSymbolCountIsRejectedWithoutHugeAllocation() {
        List<Symbol> syms = SyntheticKallsyms.symbols(BASE, 3000);
        byte[] tables = SyntheticKallsyms.tables(syms, BASE, Variant.BASE_FIRST, true);
        int numSymsAt = 3000 * 4 + 8;
        ByteBuffer.wrap(tables).order(ByteOrder.LITTLE_ENDIAN).putInt(numSymsAt, 1_999_999);
        try (PhysicalMemory mem = ImageFile.map(dir, SyntheticKallsyms.image(4 << 20, AT, tables))) {
            assertThatThrownBy(() -> new KallsymsReader().read(mem)).isInstanceOf(ChirpException.class);
        }
    }

    @Test
    void noiseOnlyIsNotFound() {
        try (PhysicalMemory mem = ImageFile.map(dir, SyntheticKallsyms.image(2 << 20, 0, new byte[0]))) {
            assertThatThrownBy(() -> new KallsymsReader().read(mem))
                    .isInstanceOfSatisfying(ChirpException.class,
                            e -> assertThat(e.kind()).isEqualTo(ChirpException.Kind.NOT_FOUND));
        }
    }
}
