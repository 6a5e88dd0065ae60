package io.chirp.symbols.isf;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chirp.symbols.KernelSymbols;
import io.chirp.symbols.Symbol;
import io.chirp.symbols.btf.BtfTestKernel;
import io.chirp.symbols.types.TypeModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tukaani.xz.LZMA2Options;
import org.tukaani.xz.XZOutputStream;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class IsfWriterTest {
    static final long SLIDE = 0x15600000L;
    static final String BANNER = "Linux version 6.1.0-56-amd64 (x) #1 SMP\n";

    final TypeModel types = BtfTestKernel.model();
    final KernelSymbols syms = KernelSymbols.of(List.of(
            new Symbol("_text", 0xffffffff81000000L + SLIDE, 'T'),
            new Symbol("init_task", 0xffffffff82000a40L + SLIDE, 'D'),
            new Symbol("linux_banner", 0xffffffff82161900L + SLIDE, 'D'),
            new Symbol("runqueues", 0x2d000, 'A')));

    @Test
    void exportValidatesAgainstBothSchemasAsShipped() throws Exception {
        ObjectNode isf = IsfWriter.toJson(syms, types, BANNER, SLIDE).isf();
        assertThat(IsfSchemas.validate("6.2.0", isf)).isEmpty();
        assertThat(IsfSchemas.validate("6.3.0", isf)).isEmpty();
        // the validator can fail: a document without user_types is rejected
        ObjectNode broken = isf.deepCopy();
        broken.remove("user_types");
        assertThat(IsfSchemas.validate("6.2.0", broken)).isNotEmpty();
    }

    @Test
    void linkTimeAddressesBannerAndTypes() {
        ObjectNode isf = IsfWriter.toJson(syms, types, BANNER, SLIDE).isf();
        assertThat(isf.at("/symbols/_text/address").bigIntegerValue().longValue()).isEqualTo(0xffffffff81000000L);
        assertThat(isf.at("/symbols/runqueues/address").asLong()).isEqualTo(0x2d000);
        assertThat(new String(Base64.getDecoder().decode(isf.at("/symbols/linux_banner/constant_data").asText())))
                .isEqualTo(BANNER + "\0");
        assertThat(isf.at("/symbols/init_task/type/name").asText()).isEqualTo("task_struct");
        assertThat(isf.at("/symbols/runqueues/type/name").asText()).isEqualTo("long long unsigned int");
        assertThat(isf.at("/user_types/task_struct/fields/pid/offset").asInt()).isEqualTo(16);
        assertThat(isf.at("/user_types/task_struct/fields/pid/type/name").asText()).isEqualTo("int");
        assertThat(isf.at("/user_types/task_struct/fields/comm/type/kind").asText()).isEqualTo("array");
        assertThat(isf.at("/user_types/sock/fields/sk_no_check/type/kind").asText()).isEqualTo("bitfield");
        assertThat(isf.at("/user_types/sock/fields/sk_no_check/offset").asInt()).isEqualTo(28);
        assertThat(isf.at("/user_types/sock/fields/sk_no_check/type/bit_position").asInt()).isEqualTo(2);
        assertThat(isf.at("/user_types/sock_common/fields/skc_dport/offset").asInt()).isEqualTo(16);
        assertThat(isf.at("/enums/task_state/constants/TASK_DEAD").asInt()).isEqualTo(0x80);
    }

    @Test
    void anonymousStructsTakeTheNameOfTheirTypedefAsDwarf2jsonDoes() {
        // 6.3+: typedef struct { u64 val; } kernel_cap_t; Volatility 3 attaches its helpers to "kernel_cap_t"
        TypeModel caps = TypeModel.of(List.of(
                new io.chirp.symbols.types.BtfType.VoidType(0),
                new io.chirp.symbols.types.BtfType.IntType(1, "long long unsigned int", 8, false, false, false, 0, 64),
                new io.chirp.symbols.types.BtfType.Struct(2, "", false, 8,
                        List.of(new io.chirp.symbols.types.BtfType.Member("val", 1, 0, 0))),
                new io.chirp.symbols.types.BtfType.Typedef(3, "kernel_cap_t", 2),
                new io.chirp.symbols.types.BtfType.Struct(4, "", false, 8,
                        List.of(new io.chirp.symbols.types.BtfType.Member("x", 1, 0, 0))),
                new io.chirp.symbols.types.BtfType.Typedef(5, "cred", 4), // a tag already has this name
                new io.chirp.symbols.types.BtfType.Struct(6, "cred", false, 8,
                        List.of(new io.chirp.symbols.types.BtfType.Member("cap_effective", 3, 0, 0)))));
        ObjectNode isf = IsfWriter.toJson(syms, caps, BANNER, SLIDE).isf();
        assertThat(isf.at("/user_types/kernel_cap_t/fields/val/offset").asInt()).isZero();
        assertThat(isf.at("/user_types/cred/fields/cap_effective/type/name").asText()).isEqualTo("kernel_cap_t");
        assertThat(isf.at("/user_types/cred/fields/x").isMissingNode()).isTrue();
        assertThat(isf.at("/user_types/unnamed_struct_4/fields/x/offset").asInt()).isZero();
    }

    @Test
    void roundTripsThroughTheReaderIncludingXz(@TempDir Path dir) throws Exception {
        Path plain = dir.resolve("k.json");
        try (OutputStream out = Files.newOutputStream(plain)) {
            new ObjectMapper().writeValue(out, IsfWriter.toJson(syms, types, BANNER, SLIDE).isf());
        }
        Path xz = dir.resolve("k.json.xz");
        try (OutputStream out = new XZOutputStream(Files.newOutputStream(xz), new LZMA2Options())) {
            out.write(Files.readAllBytes(plain));
        }
        for (Path p : List.of(plain, xz)) {
            IsfReader.Isf isf = IsfReader.read(p);
            assertThat(isf.format()).isEqualTo("6.2.0");
            assertThat(isf.banner()).contains(BANNER);
            assertThat(isf.symbols().address("_text")).isEqualTo(0xffffffff81000000L);
            assertThat(isf.symbols().relocated(SLIDE, 0xffffffff80000000L).address("init_task"))
                    .isEqualTo(syms.address("init_task"));
            TypeModel t = isf.types();
            for (String path : List.of("tasks", "pid", "tgid", "comm", "tasks.prev")) {
                assertThat(t.offsetOf("task_struct", path)).as(path).isEqualTo(types.offsetOf("task_struct", path));
            }
            assertThat(t.offsetOf("sock", "__sk_common.skc_dport")).isEqualTo(16);
            assertThat(t.memberPath("sock", "sk_no_check").bitOffset()).isEqualTo(226);
            assertThat(t.sizeOf("task_struct")).isEqualTo(128);
            assertThat(t.sizeOf(t.memberPath("task_struct", "comm").type())).isEqualTo(16);
        }
    }
}
