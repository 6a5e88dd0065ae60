package io.chirp.hypervisor.backend;

import java.util.Map;
import java.util.Set;

/**
 * One VM as a back-end lists it (no connection to it is opened).
 *
 * @param id           who it is
 * @param state        its run state
 * @param capabilities what CHIRP could do with it, as far as the listing can tell
 * @param memoryPath   how CHIRP would read its memory, in a word ({@code shared_ram}, {@code qmp}, {@code memory_peek})
 * @param details      back-end specific columns (pid, sockets, holders), for {@code chirp vm list}
 */
public record VmInfo(VmIdentity id, VmState state, Set<Capability> capabilities, String memoryPath,
                     Map<String, String> details) {
    public VmInfo {
        capabilities = Set.copyOf(capabilities);
        details = Map.copyOf(details);
    }

    /**
     * Throws the one "VM X (backend Y) lacks capability Z" error unless the listing declares {@code c}: a check
     * before work starts (the handle checks again, with the reason, when it is opened).
     */
    public void require(Capability c) {
        if (!capabilities.contains(c)) throw new MissingCapabilityException(id, c, null);
    }
}
