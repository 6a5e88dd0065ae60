package io.chirp.server;

import io.chirp.core.ChirpException;

import java.util.Locale;

/**
 * An HTTP-level refusal (no credentials, not allowed, no such route, body too large), and the one mapping of
 * {@link ChirpException.Kind} to HTTP statuses.
 */
final class ApiError extends RuntimeException {
    final int status;
    final String error;

    ApiError(int status, String error, String message) {
        super(message);
        this.status = status;
        this.error = error;
    }

    /** {@return the HTTP status for a failure of this kind} */
    static int status(ChirpException.Kind kind) {
        return switch (kind) {
            case USAGE -> 400;             // a malformed parameter or request
            case NOT_FOUND -> 404;         // no such VM, job, user, token
            case UNMAPPED, CORRUPT -> 422; // the guest's data cannot answer this (unbacked, inconsistent or hostile)
            case UNAVAILABLE -> 503;       // a channel (QMP, gdbstub, shared RAM) or capacity is missing: retry later
            case INTERRUPTED -> 503;       // cancelled or interrupted (the server stopping)
            case IO, INTERNAL -> 500;      // the host failed us, or a bug
        };
    }

    /** {@return the error code in a JSON error body} */
    static String code(ChirpException.Kind kind) { return kind.name().toLowerCase(Locale.ROOT); }
}
