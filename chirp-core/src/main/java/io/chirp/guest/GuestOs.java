package io.chirp.guest;

import io.chirp.core.CpuState;
import io.chirp.core.PhysicalMemory;

import java.util.List;
import java.util.Optional;

/**
 * An operating system CHIRP can introspect from guest memory: one implementation per OS family, found with
 * {@link java.util.ServiceLoader} (a {@code META-INF/services/io.chirp.guest.GuestOs} entry), so that a new OS
 * plugs in without touching the memory, hypervisor or event layers. Linux ({@code io.chirp.linux.LinuxGuestOs}) is
 * the first; the package documentation says what a Windows implementation provides.
 *
 * <p>Both methods read only {@code memory} (physical, attacker-controlled) and, when there is some, vCPU state;
 * neither writes to the guest, and neither may hang or grow without bound on hostile input.
 */
public interface GuestOs {
    /** {@return the OS family, lower case ("linux", "windows"): what messages and {@code --os} name it by} */
    String name();

    /**
     * Looks for this OS's signature in memory, cheaply (a bounded scan, not a full attach).
     *
     * @return what was seen, or empty if this memory does not look like this OS
     */
    Optional<Detection> detect(PhysicalMemory memory, List<CpuState> cpus);

    /**
     * Attaches: locates the kernel (KASLR included), recovers its symbols and types, and resolves once everything
     * that differs between this OS's builds, so the views never probe again.
     *
     * @throws io.chirp.core.ChirpException NOT_FOUND or CORRUPT naming the stage that failed
     */
    Guest attach(PhysicalMemory memory, List<CpuState> cpus);

    /**
     * What {@link #detect} saw.
     *
     * @param os       the OS that recognised the memory
     * @param evidence what it recognised, for people ("\"Linux version \" at physical 0x1a00100")
     */
    record Detection(GuestOs os, String evidence) {}
}
