package io.chirp.libvirt;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.chirp.hypervisor.migration.MigrationSource;
import io.chirp.hypervisor.pause.PauseGuard;
import io.chirp.hypervisor.qemu.QemuMonitor;
import io.chirp.memory.RamLayout;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Map;

/**
 * A libvirt domain as the source of a migration capture ({@code acquire --migration}). CHIRP runs QEMU's own live
 * migration through libvirt's monitor passthrough rather than libvirt's migrate-to-file APIs: {@code virDomainSave}
 * stops the domain, and {@code virDomainCoreDump} with {@code VIR_DUMP_LIVE} (a live migration into a file) resumes
 * the guest itself the moment the stream ends, so the vCPU registers of the paused instant cannot be read, the pause
 * is libvirt's job thread's latency and QEMU's default 300 ms downtime limit, and the stream must land in a file
 * libvirt opens. Through the passthrough it is exactly QEMU-direct's capture: downtime limit 20 ms, registers read in
 * the final pause, STOP/RESUME timestamps from QEMU ({@code virConnectDomainQemuMonitorEventRegister}), and the
 * marker/guardian recovery on every exit. libvirt sees QEMU's STOP and RESUME and keeps its own state right; it
 * ignores MIGRATION events of a migration it did not start.
 *
 * <p>The stream: QEMU runs as {@code libvirt-qemu} and cannot reach CHIRP's root-only scratch folder, so CHIRP makes a
 * pipe and hands its write end to QEMU with the command ({@code getfd} through
 * {@code virDomainQemuMonitorCommandWithFiles}); the migration URI is {@code fd:NAME}.
 */
final class LibvirtMigration implements MigrationSource {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The name QEMU files the pipe under; a later getfd of the same name replaces (and closes) an older one. */
    static final String FD_NAME = "chirp-migration";

    private final LibvirtDomain domain;
    private final String uri, name, uuid;
    private final RamLayout layout;
    private final LibvirtMonitor monitor;

    LibvirtMigration(LibvirtDomain domain, String uri, String name, String uuid, RamLayout layout) {
        this.domain = domain;
        this.uri = uri;
        this.name = name;
        this.uuid = uuid;
        this.layout = layout;
        this.monitor = new LibvirtMonitor(domain, uri, name);
    }

    @Override public String name() { return "libvirt:" + name; }

    @Override public QemuMonitor monitor() { return monitor; }

    @Override public RamLayout layout() { return layout; }

    @Override public PauseGuard guard(String operation, Map<String, Long> parameters, boolean events, Path scratch) {
        return PauseGuard.forLibvirtMigration(uri, name, monitor, operation + " (libvirt)", parameters, events, scratch,
                m -> LibvirtGuardian.spawnForMarker(uri, name, uuid, m));
    }

    @Override public Outgoing open(Path scratch) {
        FdPipe pipe = FdPipe.open();
        try {
            domain.qmpWithFd("getfd", JSON.createObjectNode().put("fdname", FD_NAME), pipe.writeFd());
        } catch (RuntimeException e) {
            pipe.close();
            throw e;
        } finally {
            pipe.closeWriteEnd(); // QEMU holds its own copy now: end-of-file comes when QEMU closes it
        }
        return new Outgoing() {
            @Override public String uri() { return "fd:" + FD_NAME; }

            @Override public InputStream accept() { return pipe.input(); }

            @Override public void close() throws IOException {
                pipe.close();
                try {
                    // consumed by a migration that started; left over (and closed here) if migrate was refused
                    domain.qmp("closefd", JSON.createObjectNode().put("fdname", FD_NAME));
                } catch (RuntimeException ignored) {
                    // "File descriptor named 'chirp-migration' not found": the migration took it, as it should
                }
            }
        };
    }
}
