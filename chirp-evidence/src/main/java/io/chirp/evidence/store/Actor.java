package io.chirp.evidence.store;

import io.chirp.events.custody.CustodyLog;

import java.util.Objects;

/**
 * Who acts on the store, and why: the "who" of every custody record.
 *
 * @param name      the OS user (CLI) or the API principal (server)
 * @param via       how: {@code cli}, {@code api}, {@code response} (an automatic response rule)
 * @param from      where from: the caller's address for the API, the host for the CLI, or null
 * @param automatic true when no person asked: a response rule collected it
 * @param alertId   the alert that triggered an automatic collection, or null
 * @param ruleId    the response rule that did, or null
 */
public record Actor(String name, Via via, String from, boolean automatic, String alertId, String ruleId) {
    /** How the store was reached. */
    public enum Via { cli, api, response, fleet }

    public Actor {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(via, "via");
        if (automatic && alertId == null) throw new IllegalArgumentException("an automatic action names its alert");
    }

    /** {@return the OS user running the CLI} */
    public static Actor cli() { return new Actor(CustodyLog.currentUser(), Via.cli, null, false, null, null); }

    /** {@return an API caller} */
    public static Actor api(String principal, String remote) { return new Actor(principal, Via.api, remote, false, null, null); }

    /** {@return a fleet sensor, for the custody records it made on its own host and the server imports} */
    public static Actor sensor(String sensor) { return new Actor("sensor:" + sensor, Via.fleet, sensor, false, null, null); }

    /** {@return a response rule acting on an alert} */
    public static Actor automatic(String ruleId, String alertId) {
        return new Actor("chirp-response", Via.response, null, true, alertId, ruleId);
    }

    /** {@return the actor's part of a record's detail: {@code via=...; from=...; automatic=...; alert=...; rule=...}} */
    String detail() {
        StringBuilder sb = new StringBuilder("via=").append(via);
        if (from != null) sb.append("; from=").append(clean(from));
        sb.append("; automatic=").append(automatic);
        if (alertId != null) sb.append("; alert=").append(clean(alertId));
        if (ruleId != null) sb.append("; rule=").append(clean(ruleId));
        return sb.toString();
    }

    static String clean(String s) { return s.replace(';', ',').replace('\n', ' ').replace('\r', ' '); }
}
