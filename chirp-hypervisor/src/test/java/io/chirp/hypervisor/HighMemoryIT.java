package io.chirp.hypervisor;

import io.chirp.core.MemoryRange;
import io.chirp.lab.LabGuest;
import io.chirp.lab.WithLabGuest;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A 4 GiB guest: QEMU's pc machine puts 3 GiB below the PCI hole and the last GiB at 4 GiB, where the RAM file
 * offset is no longer the guest-physical address. Reads through the mapped file must equal QEMU's own reads there.
 */
@WithLabGuest(memory = "4G", scenario = "minimal")
class HighMemoryIT {

    @Test
    void ramAboveFourGigabytesIsReadWhereQemuPutsIt(LabGuest g) {
        QemuVm vm = new VmInventory().find(g.name());
        try (LiveVm shared = LiveVm.attach(vm, QemuVm.MemoryPath.SHARED_RAM)) {
            MemoryRange high = shared.memory().ranges().stream().filter(r -> r.start() >= 1L << 32).findFirst().orElseThrow();
            assertThat(high.start()).isEqualTo(1L << 32);
            assertThat(high.end()).isEqualTo((1L << 32) + (1L << 30));
            assertThat(shared.memory().isBacked(0xc000_0000L, 1)).as("PCI hole").isFalse();
        }
        try (LiveVm shared = LiveVm.attach(vm, QemuVm.MemoryPath.SHARED_RAM)) {
            // The top pages of RAM: the page allocator hands out high addresses first, so they hold data.
            long top = (1L << 32) + (1L << 30) - (64 << 12);
            byte[][] seen = new byte[2][];
            shared.whilePaused(() -> {
                seen[0] = shared.memory().readBytes(top, 64 << 12);
                // QMP serves one client: reuse this connection for the oracle reads.
                seen[1] = new io.chirp.hypervisor.qemu.QmpMemory(shared.qmp().orElseThrow(), shared.memory().ranges())
                        .readBytes(top, 64 << 12);
            });
            assertThat(seen[0]).isEqualTo(seen[1]);
            byte[] zero = new byte[seen[0].length];
            assertThat(Arrays.equals(seen[0], zero)).as("high RAM holds data").isFalse();
        }
    }
}
