package io.chirp.guest;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A guest OS attached in memory: which OS, which build, what it offers. The OS's own model (for Linux,
 * {@code io.chirp.linux.LinuxKernel}) is reached through {@link #as}; the views stay OS-specific.
 */
public interface Guest {
    /** {@return the implementation that attached this guest} */
    GuestOs os();

    /** {@return the kernel's own version text as found in memory (guest text: escape before showing)} */
    String version();

    /** {@return the views this guest's implementation can produce on this build} */
    Set<GuestView> views();

    /**
     * {@return what this build has that the views depend on, resolved once at attach} ("thread list: signal->thread_head",
     * "system calls: x64_sys_call switch"), in a stable order, for {@code info} output and reports
     */
    List<Capability> capabilities();

    /** {@return this guest as {@code type} (the OS's own model), if it is one} */
    <T> Optional<T> as(Class<T> type);

    /**
     * One thing that differs between builds, and what this build has.
     *
     * @param name  what differs ("threads", "vma container")
     * @param value what this build has ("signal_struct.thread_head", "maple tree")
     */
    record Capability(String name, String value) {}
}
