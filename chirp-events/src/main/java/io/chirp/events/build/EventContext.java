package io.chirp.events.build;

import io.chirp.core.ChirpVersion;

import java.time.Clock;
import java.util.Objects;

/**
 * What every event from one VM shares: the VM, CHIRP's version, and the host clock used for
 * {@code metadata.logged_time} (and for {@code time} when the guest's time of the event is unknown).
 *
 * @param vm             the VM
 * @param productVersion CHIRP's version (metadata.product.version)
 * @param clock          the host clock
 */
public record EventContext(VmIdentity vm, String productVersion, Clock clock) {
    /** CHIRP's one version (version+commit), as {@code chirp --version} reports it. */
    public static final String CHIRP_VERSION = ChirpVersion.current().toString();

    public EventContext {
        Objects.requireNonNull(vm, "vm");
        Objects.requireNonNull(productVersion, "productVersion");
        Objects.requireNonNull(clock, "clock");
    }

    /** {@return a context for this VM with the system clock} */
    public static EventContext of(VmIdentity vm) { return new EventContext(vm, CHIRP_VERSION, Clock.systemUTC()); }
}
