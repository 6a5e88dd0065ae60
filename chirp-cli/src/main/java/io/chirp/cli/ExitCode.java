package io.chirp.cli;

import io.chirp.core.ChirpException;

/**
 * The exit codes of {@code chirp}, in one place. Scripts gate on them, so each means one thing: an error is never
 * confused with a result that is partial or that has findings.
 *
 * <table>
 *   <caption>exit codes</caption>
 *   <tr><td>0</td><td>{@link #OK}</td><td>success, the result is complete</td></tr>
 *   <tr><td>1</td><td>{@link #ERROR}</td><td>data or environment error (message on stderr)</td></tr>
 *   <tr><td>2</td><td>{@link #USAGE}</td><td>usage error: bad option, bad value (message and usage on stderr)</td></tr>
 *   <tr><td>3</td><td>{@link #INTERNAL}</td><td>internal error, a bug (stack trace on stderr)</td></tr>
 *   <tr><td>4</td><td>{@link #PARTIAL}</td><td>a result was printed but it is partial (warnings on stderr say why)</td></tr>
 *   <tr><td>5</td><td>{@link #FINDINGS}</td><td>the result has findings, e.g. {@code linux check} found a hook</td></tr>
 * </table>
 */
public enum ExitCode {
    OK(0), ERROR(1), USAGE(2), INTERNAL(3), PARTIAL(4), FINDINGS(5);

    private final int code;

    ExitCode(int code) { this.code = code; }

    /** {@return the process exit code} */
    public int code() { return code; }

    /** {@return the exit code for a failure of this kind} */
    public static ExitCode of(ChirpException.Kind kind) {
        return switch (kind) {
            case USAGE -> USAGE;
            case INTERNAL -> INTERNAL;
            case NOT_FOUND, UNMAPPED, CORRUPT, UNAVAILABLE, IO, INTERRUPTED -> ERROR;
        };
    }

    /** {@return PARTIAL when the result is incomplete, else OK}: the usual end of a listing command */
    public static int okOrPartial(boolean complete) { return (complete ? OK : PARTIAL).code; }
}
