package io.chirp.libvirt;

/** A domain's state, as libvirt's {@code virDomainState} numbers it. */
public enum DomainState {
    NOSTATE, RUNNING, BLOCKED, PAUSED, SHUTDOWN, SHUTOFF, CRASHED, PMSUSPENDED, UNKNOWN;

    /** {@return the state for libvirt's number; UNKNOWN for one newer than this binding} */
    static DomainState of(int code) {
        DomainState[] all = values();
        return code >= 0 && code < all.length - 1 ? all[code] : UNKNOWN;
    }
}
