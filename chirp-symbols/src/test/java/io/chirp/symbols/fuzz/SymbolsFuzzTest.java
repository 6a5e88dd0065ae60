package io.chirp.symbols.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chirp.core.ChirpException;
import io.chirp.core.PhysicalMemory;
import io.chirp.lab.fuzz.FuzzCheck;
import io.chirp.symbols.Symbol;
import io.chirp.symbols.btf.BtfParser;
import io.chirp.symbols.isf.IsfReader;
import io.chirp.symbols.kallsyms.KallsymsReader;
import io.chirp.symbols.lab.ImageFile;
import io.chirp.symbols.scan.PatternScanner;
import io.chirp.symbols.types.BtfType;
import io.chirp.symbols.types.TypeModel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Coverage-guided fuzz targets for the symbol readers: BTF blobs, kallsyms tables in guest memory, Volatility ISF
 * documents. Seeds in src/test/resources/io/chirp/symbols/fuzz/SymbolsFuzzTestInputs/: the first 300 types of a
 * real kernel's BTF (a 6.18 host's /sys/kernel/btf/vmlinux, references beyond them redirected to void, strings
 * re-packed), the miniature kernel of BtfParserTest, synthetic kallsyms images of the three table layouts
 * (SyntheticKallsyms, 40 symbols) and CHIRP's ISF export of the miniature kernel.
 */
class SymbolsFuzzTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path DIR;

    static {
        try {
            DIR = Files.createTempDirectory("chirp-fuzz-symbols");
            DIR.toFile().deleteOnExit();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A BTF blob: every type id resolves, sizes are computed without running away on cycles, or CORRUPT. */
    @FuzzTest(maxDuration = "60s")
    void btf(byte[] data) {
        FuzzCheck.check("btf", data, () -> {
            // The lazy parse (kernel cache hits): CORRUPT at parse or at first use of a bad type, nothing else; and
            // wherever the eager parse accepts the blob, the same types and the same name lookups.
            TypeModel lazy = null;
            try {
                lazy = BtfParser.parseLazy(data);
                exercise(lazy);
            } catch (ChirpException e) {
                assertThat(e.getMessage()).isNotBlank();
            }
            TypeModel m = BtfParser.parse(data);
            exercise(m);
            assertThat(lazy).as("the lazy parse accepts a blob the eager one accepts").isNotNull();
            assertThat(lazy.count()).isEqualTo(m.count());
            try {
                for (int id = 0; id < m.count(); id++) {
                    BtfType t = m.type(id);
                    assertThat(lazy.type(id)).isEqualTo(t);
                    assertThat(lazy.findNamed(t.name())).isEqualTo(m.findNamed(t.name()));
                    assertThat(lazy.findStruct(t.name())).isEqualTo(m.findStruct(t.name()));
                }
            } catch (ChirpException e) {
                throw new AssertionError("the lazy parse fails where the eager one succeeds: " + e.getMessage(), e);
            }
        });
    }

    /** Guest memory holding (or not) a kallsyms table: a consistent symbol table, or NOT_FOUND/CORRUPT. */
    @FuzzTest(maxDuration = "60s")
    void kallsyms(byte[] data) {
        if (data.length == 0) return;
        FuzzCheck.check("kallsyms", data, () -> {
            try (PhysicalMemory mem = ImageFile.map(DIR, data)) {
                KallsymsReader.Kallsyms k = new KallsymsReader(new PatternScanner(4096)).read(mem);
                assertThat(k.symbols().count()).isPositive().isLessThanOrEqualTo(k.layout().count());
                for (Symbol s : k.symbols().all()) assertThat(s.name()).isNotEmpty();
            }
        });
    }

    /** An ISF JSON document: symbols and types, or CORRUPT. */
    @FuzzTest(maxDuration = "60s")
    void isf(byte[] data) {
        FuzzCheck.check("isf", data, () -> {
            JsonNode root;
            try {
                root = JSON.readTree(data);
            } catch (IOException e) {
                return;   // not JSON: IsfReader.read reports that as an IO/CORRUPT error before it gets here
            }
            if (root == null) return;
            IsfReader.Isf isf = IsfReader.fromJson(root);
            exercise(isf.types());
            assertThat(isf.format()).isNotNull();
        });
    }

    private static void exercise(TypeModel m) {
        for (int id = 0; id < m.count(); id++) {
            BtfType t = m.type(id);
            assertThat(t).as("type %d", id).isNotNull();
            try {
                m.resolve(id);
                m.sizeOf(id);
            } catch (ChirpException e) {
                assertThat(e.getMessage()).isNotBlank();   // a cycle or a void size: reported, not a hang
            }
        }
    }
}
