package io.chirp.hypervisor;

import io.chirp.hypervisor.qemu.QmpClient;
import io.chirp.lab.LabGuest;
import io.chirp.lab.WithLabGuest;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * QEMU's QMP socket serves one client at a time; within one JVM every caller shares one connection (the monitor's
 * watcher, an API view and an acquisition job of chirp serve all need it at once).
 */
@WithLabGuest
class QmpSharingIT {
    @Test
    void callersShareOneConnectionAndTheLastCloseEndsIt(LabGuest g) {
        QmpClient a = QmpClient.connect(g.qmpSocket());
        QmpClient b = QmpClient.connect(g.qmpSocket());
        try (LiveVm live = LiveVm.attach(new VmInventory().find(g.name()))) {
            assertThat(live.qmp()).as("an attach while another caller holds QMP still gets it").contains(a);
            assertThat(b).isSameAs(a);
            assertThat(live.status()).isEqualTo("running");
        }
        assertThat(a.isClosed()).isFalse();
        a.close();
        assertThat(b.status()).as("still open for the other holder").isEqualTo("running");
        b.close();
        assertThat(b.isClosed()).isTrue();
        b.close(); // a second close is harmless
        try (QmpClient c = QmpClient.connect(g.qmpSocket())) {
            assertThat(c).as("a fresh connection once everyone let go").isNotSameAs(a);
            assertThat(c.status()).isEqualTo("running");
        }
    }
}
