package io.chirp.events.build;

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
    /** CHIRP's version as packaged, or the development version. */
    public static final String CHIRP_VERSION = versionOrDefault();

    public EventContext {
        Objects.requireNonNull(vm, "vm");
        Objects.requireNonNull(productVersion, "productVersion");
        Objects.requireNonNull(clock, "clock");
    }

    /** {@return a context for this VM with the system clock} */
    public static EventContext of(VmIdentity vm) { return new EventContext(vm, CHIRP_VERSION, Clock.systemUTC()); }

    private static String versionOrDefault() {
        String v = EventContext.class.getPackage().getImplementationVersion();
        return v != null ? v : "0.1.0-SNAPSHOT";
    }
}
