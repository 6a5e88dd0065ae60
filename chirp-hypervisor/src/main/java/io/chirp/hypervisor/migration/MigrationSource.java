package io.chirp.hypervisor.migration;

import io.chirp.hypervisor.pause.PauseGuard;
import io.chirp.hypervisor.qemu.QemuMonitor;
import io.chirp.memory.RamLayout;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Map;

/**
 * What a migration capture needs of a VM, however its QEMU is reached: the monitor (QMP commands, HMP, and QEMU's
 * events with their timestamps), the RAM layout, a {@link PauseGuard} that records the migration settings before
 * they change (and a guardian that can put them back), and a way for QEMU's outgoing stream to reach CHIRP.
 * QEMU-direct: CHIRP's own QMP socket and a unix socket QEMU connects to; libvirt: libvirt's monitor passthrough
 * and a pipe handed to QEMU with the command ({@code getfd}), since QEMU runs as another user there.
 */
public interface MigrationSource {
    /** {@return the VM's name, for the scratch folder and messages} */
    String name();

    /** {@return QEMU's monitor; its events must be delivered ({@link QemuMonitor#onEvent})} */
    QemuMonitor monitor();

    /** {@return the guest-physical layout of the VM's RAM} */
    RamLayout layout();

    /**
     * Writes down (marker, guardian) what the capture is about to change, before anything is changed.
     *
     * @param parameters migration parameters CHIRP will change, with their current values
     * @param events     the current state of the "events" migration capability
     * @param scratch    the scratch folder
     */
    PauseGuard guard(String operation, Map<String, Long> parameters, boolean events, Path scratch);

    /** Prepares the channel QEMU's outgoing migration stream takes to CHIRP. */
    Outgoing open(Path scratch) throws IOException;

    /** The channel of one migration: the URI for QMP {@code migrate}, and the stream once QEMU writes it. */
    interface Outgoing extends AutoCloseable {
        /** {@return the URI for QMP migrate, e.g. {@code unix:/path} or {@code fd:NAME}} */
        String uri();

        /** {@return QEMU's stream; waits (bounded) for QEMU to start sending} */
        InputStream accept() throws IOException;

        @Override void close() throws IOException;
    }
}
