package io.chirp.libvirt;

import java.time.Instant;

/**
 * A domain lifecycle event (libvirt's {@code VIR_DOMAIN_EVENT_ID_LIFECYCLE}).
 *
 * @param domain   the domain name
 * @param uuid     its UUID
 * @param type     what happened
 * @param detail   libvirt's detail number for that type (e.g. for STOPPED: 0 shutdown, 1 destroyed, 2 crashed,
 *                 3 migrated, 4 saved, 5 failed; for SUSPENDED: 0 paused by a client, 1 migrated, 2 I/O error ...)
 * @param received when CHIRP received it
 */
public record LifecycleEvent(String domain, String uuid, Type type, int detail, Instant received) {

    /** libvirt's {@code virDomainEventType}. */
    public enum Type {
        DEFINED, UNDEFINED, STARTED, SUSPENDED, RESUMED, STOPPED, SHUTDOWN, PMSUSPENDED, CRASHED, UNKNOWN;

        static Type of(int code) {
            Type[] all = values();
            return code >= 0 && code < all.length - 1 ? all[code] : UNKNOWN;
        }
    }

    /** {@return true for a STOPPED event whose detail says the domain was destroyed} */
    public boolean isDestroyed() { return type == Type.STOPPED && detail == 1; }
}
