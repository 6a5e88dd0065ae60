package io.chirp.symbols.isf;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chirp.core.PhysicalMemory;
import io.chirp.lab.LabGuest;
import io.chirp.lab.WithLabGuest;
import io.chirp.symbols.kernel.KernelInfo;
import io.chirp.symbols.kernel.KernelLocator;
import io.chirp.symbols.lab.LiveMemory;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

@WithLabGuest
class IsfExportIT {
    @Test
    void liveKernelExportsASchemaValidIsfThatReadsBack(LabGuest g) throws Exception {
        try (PhysicalMemory mem = LiveMemory.of(g)) {
            KernelInfo k = KernelLocator.locate(mem);
            IsfWriter.Export export = IsfWriter.export(k, mem);
            assertThat(export.warnings()).isEmpty();
            ObjectNode isf = export.isf();
            assertThat(isf.at("/symbols/prb/type/kind").asText()).isEqualTo("pointer");
            assertThat(isf.at("/symbols/prb/type/subtype/name").asText()).isEqualTo("printk_ringbuffer");
            assertThat(isf.at("/symbols/module_kset/type/subtype/name").asText()).isEqualTo("kset");
            assertThat(isf.at("/symbols/socket_file_ops/type/name").asText()).isEqualTo("file_operations");
            assertThat(IsfSchemas.validate("6.2.0", isf)).isEmpty();
            assertThat(isf.at("/symbols/_text/address").bigIntegerValue().longValue()).isEqualTo(KernelInfo.LINK_TEXT_VIRT);
            IsfReader.Isf back = IsfReader.fromJson(isf);
            assertThat(back.banner()).contains(k.banner());
            assertThat(back.symbols().relocated(k.virtSlide(), 0xffffffff80000000L).address("init_task"))
                    .isEqualTo(k.symbols().address("init_task"));
            for (String path : List.of("tasks", "pid", "tgid", "comm", "mm", "thread_pid")) {
                assertThat(back.types().offsetOf("task_struct", path)).as(path)
                        .isEqualTo(k.types().offsetOf("task_struct", path));
            }
            assertThat(back.types().offsetOf("sock", "__sk_common.skc_dport"))
                    .isEqualTo(k.types().offsetOf("sock", "__sk_common.skc_dport"));
        }
    }
}
