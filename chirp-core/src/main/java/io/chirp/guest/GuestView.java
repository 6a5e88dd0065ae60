package io.chirp.guest;

/** The OS-independent names of the views an attached guest can offer (the CLI and API group commands by them). */
public enum GuestView {
    /** processes with parent, user, command line, executable */
    PROCESSES,
    /** loaded kernel modules or drivers */
    MODULES,
    /** sockets with their owning processes */
    SOCKETS,
    /** network interfaces and addresses */
    INTERFACES,
    /** open files per process */
    OPEN_FILES,
    /** a process's memory regions */
    MEMORY_MAPS,
    /** mounted file systems */
    MOUNTS,
    /** the kernel's log buffer */
    KERNEL_LOG,
    /** integrity checks of the kernel (dispatch tables, hooks, hidden objects) and heuristics */
    INTEGRITY,
    /** a process's memory as a core file */
    PROCESS_DUMP,
    /** cached file contents */
    CACHED_FILES,
    /** the kernel's symbols and types as a Volatility 3 ISF */
    SYMBOL_EXPORT
}
