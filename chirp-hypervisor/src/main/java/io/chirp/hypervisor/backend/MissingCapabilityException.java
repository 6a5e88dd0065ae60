package io.chirp.hypervisor.backend;

import io.chirp.core.ChirpException;

/**
 * The one error for "this VM cannot do that": {@code VM X (backend Y) lacks capability Z}, with why when known. An
 * UNAVAILABLE error, so every command exits 1 with this message.
 */
public final class MissingCapabilityException extends ChirpException {
    private final VmIdentity vm;
    private final Capability capability;

    public MissingCapabilityException(VmIdentity vm, Capability capability, String why) {
        super(Kind.UNAVAILABLE, "VM " + vm.name() + " (backend " + vm.backend() + ") lacks capability "
                + capability.name().toLowerCase(java.util.Locale.ROOT) + " (" + capability.text() + ")"
                + (why == null || why.isEmpty() ? "" : ": " + why));
        this.vm = vm;
        this.capability = capability;
    }

    public VmIdentity vm() { return vm; }

    public Capability capability() { return capability; }
}
