package io.chirp.server;

import io.chirp.core.ChirpException;

import java.util.Locale;

/** What a caller may do. Each role includes the ones below it. */
public enum Role {
    /** Reads: VMs, registers, Linux views, events, rules, alerts, jobs. */
    VIEWER,
    /** Also collects evidence (acquisition jobs, cancels them) and acknowledges alerts. */
    ANALYST,
    /** Also manages users, tokens and the audit log. */
    ADMIN;

    /** {@return true if a caller with this role may call a route that requires {@code required}} */
    public boolean allows(Role required) { return compareTo(required) >= 0; }

    /** {@return the lower-case name used in the API and the CLI} */
    public String label() { return name().toLowerCase(Locale.ROOT); }

    public static Role parse(String s) {
        for (Role r : values()) if (r.label().equals(s)) return r;
        throw ChirpException.usage("no such role: " + s + " (viewer, analyst or admin)");
    }
}
