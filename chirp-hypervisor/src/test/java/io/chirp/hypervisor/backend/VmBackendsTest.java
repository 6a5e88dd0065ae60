package io.chirp.hypervisor.backend;

import io.chirp.core.ChirpException;
import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** How {@code --vm} picks a back-end, on the back-ends this module's class path really has (QEMU-direct). */
class VmBackendsTest {

    @Test
    void qemuDirectIsLoadedThroughTheServiceLoader() {
        assertThat(VmBackends.all()).extracting(VmBackend::id).contains("qemu");
        assertThat(VmBackends.all().getFirst().id()).isEqualTo("qemu");
    }

    @Test
    void prefixesPickABackendOnlyWhenItExists() {
        assertThat(VmBackends.parse("qemu:lab", Optional.empty())).isEqualTo(new VmBackends.Ref("qemu", "lab"));
        assertThat(VmBackends.parse("lab", Optional.empty())).isEqualTo(new VmBackends.Ref("qemu", "lab"));
        // not a back-end id: the whole text is the name (QEMU names may hold a colon)
        assertThat(VmBackends.parse("web:1", Optional.empty())).isEqualTo(new VmBackends.Ref("qemu", "web:1"));
        assertThat(VmBackends.parse("lab", Optional.of("qemu:///system"))).isEqualTo(new VmBackends.Ref("libvirt", "lab"));
        assertThatThrownBy(() -> VmBackends.parse(" ", Optional.empty())).isInstanceOf(ChirpException.class);
    }

    @Test
    void anUnknownBackendIsAUsageErrorListingTheKnownOnes() {
        assertThatThrownBy(() -> VmBackends.byId("xen")).isInstanceOf(ChirpException.class)
                .hasMessageContaining("no VM backend 'xen'").hasMessageContaining("qemu")
                .satisfies(e -> assertThat(((ChirpException) e).kind()).isEqualTo(ChirpException.Kind.USAGE));
        assertThatThrownBy(() -> VmBackends.byId("qemu").connect("qemu:///system")).isInstanceOf(ChirpException.class)
                .hasMessageContaining("takes no --connect");
    }

    @Test
    void aMissingCapabilityIsOneSentence() {
        VmIdentity id = new VmIdentity("qemu", "lab", Optional.empty(), "host");
        MissingCapabilityException e = new MissingCapabilityException(id, Capability.DISK_VIEWS, "no QMP socket");
        assertThat(e).hasMessage("VM lab (backend qemu) lacks capability disk_views (point-in-time disk views): no QMP socket");
        assertThat(e.kind()).isEqualTo(ChirpException.Kind.UNAVAILABLE);
    }

    @Test
    void aVmThatIsNotRunningIsNotFound() {
        assertThatThrownBy(() -> VmBackends.open("qemu:no-such-vm-" + ProcessHandle.current().pid(), Optional.empty()))
                .isInstanceOf(ChirpException.class)
                .satisfies(e -> assertThat(((ChirpException) e).kind()).isEqualTo(ChirpException.Kind.NOT_FOUND));
    }
}
