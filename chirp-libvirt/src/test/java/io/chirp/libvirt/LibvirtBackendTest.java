package io.chirp.libvirt;

import io.chirp.hypervisor.backend.Capability;
import io.chirp.hypervisor.backend.VmBackends;
import io.chirp.hypervisor.backend.VmEvent;
import io.chirp.hypervisor.backend.VmInfo;
import io.chirp.hypervisor.backend.VmState;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** How libvirt's states and events read in the back-end terms, and how the back-end is found. */
class LibvirtBackendTest {

    @Test
    void theServiceLoaderFindsItBesideQemuDirect() {
        assertThat(VmBackends.all()).extracting(b -> b.id()).containsExactly("qemu", "libvirt");
        assertThat(VmBackends.parse("libvirt:web", Optional.empty())).isEqualTo(new VmBackends.Ref("libvirt", "web"));
        assertThat(VmBackends.byId("libvirt").connect("qemu+unix:///system?socket=/x").description()).contains("socket=/x");
    }

    @Test
    void statesAndEventsMapOntoTheBackendTerms() {
        assertThat(LibvirtBackend.state(DomainState.RUNNING)).isEqualTo(VmState.RUNNING);
        assertThat(LibvirtBackend.state(DomainState.PAUSED)).isEqualTo(VmState.PAUSED);
        assertThat(LibvirtBackend.state(DomainState.SHUTOFF)).isEqualTo(VmState.STOPPED);
        assertThat(LibvirtBackend.state(DomainState.CRASHED)).isEqualTo(VmState.CRASHED);
        Instant now = Instant.now();
        assertThat(kind(LifecycleEvent.Type.SUSPENDED, 0, now)).isEqualTo(VmEvent.Kind.PAUSED);
        assertThat(kind(LifecycleEvent.Type.RESUMED, 0, now)).isEqualTo(VmEvent.Kind.RESUMED);
        assertThat(kind(LifecycleEvent.Type.STOPPED, 1, now)).isEqualTo(VmEvent.Kind.STOPPED);   // destroyed
        assertThat(kind(LifecycleEvent.Type.STOPPED, 2, now)).isEqualTo(VmEvent.Kind.CRASHED);   // crashed
        assertThat(kind(LifecycleEvent.Type.STOPPED, 3, now)).isEqualTo(VmEvent.Kind.MIGRATED);  // migrated away
        assertThat(kind(LifecycleEvent.Type.STARTED, 0, now)).isEqualTo(VmEvent.Kind.STARTED);
        assertThat(kind(LifecycleEvent.Type.DEFINED, 0, now)).isEqualTo(VmEvent.Kind.OTHER);
        VmEvent e = LibvirtBackend.event(new LifecycleEvent("web", "u-1", LifecycleEvent.Type.CRASHED, 0, now), "qemu:///system");
        assertThat(e.vm().ref()).isEqualTo("libvirt:web");
        assertThat(e.vm().uuid()).contains("u-1");
        assertThat(e.vm().host()).isEqualTo("qemu:///system");
        assertThat(e.at()).isEqualTo(now);
    }

    @Test
    void aShutOffDomainIsListedWithNoCapabilities() {
        VmInfo off = LibvirtBackend.info(new DomainInfo("old", "u-2", -1, DomainState.SHUTOFF, true), "qemu:///system");
        assertThat(off.state()).isEqualTo(VmState.STOPPED);
        assertThat(off.capabilities()).isEmpty();
        VmInfo on = LibvirtBackend.info(new DomainInfo("web", "u-3", 4, DomainState.RUNNING, false), "qemu:///system");
        assertThat(on.capabilities()).contains(Capability.MEMORY, Capability.PAUSE, Capability.DISK_VIEWS)
                .contains(Capability.CONSISTENT_IMAGE);
        assertThat(on.details()).containsEntry("domain_id", "4").containsEntry("persistent", "false");
    }

    private static VmEvent.Kind kind(LifecycleEvent.Type t, int detail, Instant at) {
        return LibvirtBackend.event(new LifecycleEvent("d", "u", t, detail, at), "qemu:///system").kind();
    }
}
