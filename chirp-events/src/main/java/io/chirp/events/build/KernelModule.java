package io.chirp.events.build;

import java.util.Objects;

/**
 * A Linux kernel module.
 *
 * @param name        module name (as in lsmod)
 * @param baseAddress guest virtual address of its core section
 * @param path        its file in the guest (from modules.dep or the module's own record), or null
 */
public record KernelModule(String name, long baseAddress, String path) {
    public KernelModule {
        Objects.requireNonNull(name, "name");
    }
}
