package io.chirp.memory;

import io.chirp.core.CpuState;
import io.chirp.core.PhysAddr;
import io.chirp.core.VirtAddr;
import io.chirp.lab.LabGuest;
import io.chirp.lab.WithLabGuest;
import io.chirp.paging.AddressSpace;
import io.chirp.paging.Kpti;
import io.chirp.paging.PagingMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Opens a core written by QEMU itself ({@code dump-guest-memory}), the format CHIRP's ELF writer imitates. */
@WithLabGuest
class QemuDumpIT {
    @TempDir Path dir;

    @Test
    void qemusOwnDumpOpensWithItsCpuStateAndTranslatesThroughItsCr3(LabGuest g) throws Exception {
        Path dump = dir.resolve("qemu.elf");
        try (LabQmp qmp = LabQmp.connect(g.qmpSocket())) {
            qmp.execute("dump-guest-memory", "{\"paging\": false, \"protocol\": \"file:" + dump + "\"}");
        }
        assertThat(MemoryImages.detect(dump)).isEqualTo(ImageFormat.ELF_CORE);
        try (MemoryImage img = MemoryImages.open(dump)) {
            // RAM at GPA 0 for the whole guest, and the BIOS ROM at the top of 4 GiB
            assertThat(img.segments()).anySatisfy(s -> {
                assertThat(s.gpa()).isZero();
                assertThat(s.length()).isEqualTo(g.memoryBytes());
            });
            assertThat(img.segments()).anySatisfy(s -> assertThat(s.gpa()).isEqualTo(0xfffc0000L));
            assertThat(img.cpus()).hasSize(1);
            CpuState cpu = img.cpus().getFirst();
            assertThat(cpu.source()).isEqualTo("elf:NT_PRSTATUS+QEMU");
            assertThat(cpu.cr0().orElseThrow() & (1L << 31)).as("CR0.PG").isNotZero();
            assertThat(cpu.cr4().orElseThrow() & (1 << 5)).as("CR4.PAE").isNotZero();
            assertThat(cpu.gsBase().orElseThrow() < 0 || cpu.kernelGsBase().orElseThrow() < 0)
                    .as("one of GS/KERNEL_GS is the kernel per-CPU base").isTrue();

            // whatever mm the vCPU last ran, the kernel half of its PGD maps the kernel: find the banner through it
            long root = Kpti.kernelRoot(cpu.cr3().orElseThrow());
            AddressSpace kernel = AddressSpace.of(img.memory(), PagingMode.of(cpu.cr0().getAsLong(),
                    cpu.cr4().getAsLong(), cpu.efer()), new PhysAddr(root));
            long banner = g.groundTruth().kallsyms().get("linux_banner");
            assertThat(new String(kernel.read(new VirtAddr(banner), 13), StandardCharsets.US_ASCII)).isEqualTo("Linux version");
            assertThat(kernel.physical(new VirtAddr(cpu.rip())).value()).isLessThan(g.memoryBytes());
        }
    }
}
