package io.chirp.hypervisor;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A QEMU process on this host and the introspection channels its command line reveals.
 *
 * @param pid         QEMU's process id
 * @param name        the VM's name (-name), or "pid-N" when it has none
 * @param uuid        the VM's -uuid, if given
 * @param memoryBytes RAM size from -m / the memory backend, 0 if unknown
 * @param ramFile     the memory-backend-file path, if any
 * @param ramBackend  the id of that backend object (its name in QEMU's memory tree)
 * @param ramShared   whether that backend has share=on (only then does the file show the live RAM)
 * @param qmpSocket   a QMP unix socket, if any
 * @param gdbPort     a gdbstub TCP port on loopback, or 0
 * @param argv        the whole command line
 */
public record QemuVm(long pid, String name, Optional<String> uuid, long memoryBytes, Optional<Path> ramFile,
                     String ramBackend, boolean ramShared, Optional<Path> qmpSocket, int gdbPort, List<String> argv) {

    /** The memory path CHIRP would use for this VM, best first. */
    public enum MemoryPath {
        /** The RAM backend file, memory-mapped: zero copy, no pause. */
        SHARED_RAM,
        /** QMP human monitor 'xp' reads: slow but needs only the QMP socket. */
        QMP,
        /** gdbstub physical-mode reads: pauses the VM while attached. */
        GDBSTUB,
        /** No channel CHIRP can use. */
        NONE
    }

    /** {@return the best memory path available for this VM} */
    public MemoryPath memoryPath() {
        if (ramShared && ramFile.isPresent() && java.nio.file.Files.isReadable(ramFile.get())) return MemoryPath.SHARED_RAM;
        if (qmpSocket.isPresent()) return MemoryPath.QMP;
        if (gdbPort > 0) return MemoryPath.GDBSTUB;
        return MemoryPath.NONE;
    }
}
