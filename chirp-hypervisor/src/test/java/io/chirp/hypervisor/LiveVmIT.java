package io.chirp.hypervisor;

import io.chirp.core.CpuState;
import io.chirp.lab.GroundTruth;
import io.chirp.lab.LabGuest;
import io.chirp.lab.WithLabGuest;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

@WithLabGuest
class LiveVmIT {

    private static long bannerPhys(GroundTruth gt) {
        Map<String, Long> k = gt.kallsyms();
        return gt.kernelCodePhys().orElseThrow() + (k.get("linux_banner") - k.get("_text"));
    }

    @Test
    void inventoryFindsTheLabGuestWithItsChannels(LabGuest g) {
        QemuVm vm = new VmInventory().find(g.name());
        assertThat(vm.pid()).isEqualTo(g.pid());
        assertThat(vm.ramFile()).contains(g.ramFile());
        assertThat(vm.ramShared()).isTrue();
        assertThat(vm.qmpSocket()).contains(g.qmpSocket());
        assertThat(vm.gdbPort()).isEqualTo(g.gdbPort());
        assertThat(vm.memoryBytes()).isEqualTo(g.memoryBytes());
        assertThat(vm.memoryPath()).isEqualTo(QemuVm.MemoryPath.SHARED_RAM);
    }

    @Test
    void everyMemoryPathReadsTheSameBannerWithoutStoppingTheGuest(LabGuest g) {
        QemuVm vm = new VmInventory().find(g.name());
        long pa = bannerPhys(g.groundTruth());
        for (QemuVm.MemoryPath p : List.of(QemuVm.MemoryPath.SHARED_RAM, QemuVm.MemoryPath.QMP, QemuVm.MemoryPath.GDBSTUB)) {
            try (LiveVm live = LiveVm.attach(vm, p)) {
                assertThat(live.memoryPath()).isEqualTo(p);
                String banner = new String(live.memory().readBytes(pa, 14), StandardCharsets.US_ASCII);
                assertThat(banner).as("banner via %s", p).isEqualTo("Linux version ");
            }
        }
        try (LiveVm live = LiveVm.attach(vm)) {
            assertThat(live.status()).isEqualTo("running");
            assertThat(live.memory().describe()).contains("shared RAM file");
        }
    }

    @Test
    void registersFromQmpAndGdbAgree(LabGuest g) {
        try (LiveVm live = LiveVm.attach(new VmInventory().find(g.name()))) {
            List<CpuState> qmp = live.registers();
            assertThat(qmp).hasSize(1);
            CpuState c = qmp.getFirst();
            assertThat(c.efer().orElseThrow() & 0x400).as("EFER.LMA: long mode").isNotZero();
            assertThat(c.cr0().orElseThrow() & 0x80000001L).isEqualTo(0x80000001L);
            assertThat(c.cr3().orElseThrow()).isNotZero();
            assertThat(c.registers()).containsKeys("rax", "rsp", "cs", "gs_base", "idt_base");

            List<CpuState> gdb = live.registersFromGdb();
            assertThat(gdb).hasSize(1);
            CpuState d = gdb.getFirst();
            assertThat(d.kernelGsBase()).isPresent();
            assertThat(d.cr4()).isEqualTo(c.cr4());
            assertThat(d.efer()).isEqualTo(c.efer());
            assertThat(live.status()).as("the gdbstub session resumed the guest").isEqualTo("running");
        }
    }

    @Test
    void pauseIsMeasuredAndTheGuestResumes(LabGuest g) {
        try (LiveVm live = LiveVm.attach(new VmInventory().find(g.name()))) {
            String[] during = new String[1];
            long nanos = live.whilePaused(() -> during[0] = live.status());
            assertThat(during[0]).isEqualTo("paused");
            assertThat(nanos).isPositive();
            assertThat(live.status()).isEqualTo("running");
        }
    }
}
