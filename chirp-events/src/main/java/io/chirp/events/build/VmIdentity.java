package io.chirp.events.build;

import java.util.Objects;

/**
 * Which VM an event is about, as OCSF's {@code device}.
 *
 * @param hypervisorHost host name of the machine running the hypervisor (device.hostname)
 * @param vmName         the VM's name (device.name)
 * @param vmUuid         the VM's UUID (device.uid), or null when the VM has none
 * @param hypervisor     the hypervisor product (device.hypervisor), e.g. QEMU
 */
public record VmIdentity(String hypervisorHost, String vmName, String vmUuid, String hypervisor) {
    public VmIdentity {
        Objects.requireNonNull(hypervisorHost, "hypervisorHost");
        Objects.requireNonNull(vmName, "vmName");
        Objects.requireNonNull(hypervisor, "hypervisor");
    }

    /** {@return a QEMU VM on this host} */
    public static VmIdentity qemu(String hypervisorHost, String vmName, String vmUuid) {
        return new VmIdentity(hypervisorHost, vmName, vmUuid, "QEMU");
    }
}
