package io.chirp.net.qemu;

import io.chirp.hypervisor.qemu.QemuCommandLine;

import java.util.List;
import java.util.Optional;

/**
 * A VM's network plumbing as its QEMU command line declares it: the netdevs (backends, where a capture filter
 * goes) and the NICs attached to them with their MAC addresses (how the VM's own frames are told apart). Read by
 * the one command-line parser, {@link QemuCommandLine} (key=value and libvirt's JSON syntax).
 */
public final class QemuNics {
    private QemuNics() {}

    /** {@return the ids of the -netdev options} */
    public static List<String> netdevIds(List<String> argv) { return QemuCommandLine.of(argv).netdevIds(); }

    /** {@return the MAC address of the NIC attached to {@code netdev}, if the command line sets one} */
    public static Optional<String> mac(List<String> argv, String netdev) { return QemuCommandLine.of(argv).mac(netdev); }
}
