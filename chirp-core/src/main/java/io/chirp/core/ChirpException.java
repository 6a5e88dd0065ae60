package io.chirp.core;

/**
 * The one error type of CHIRP. The {@link Kind} says what went wrong in terms an operator can act on;
 * the CLI maps it to an exit code and the server to an HTTP status, each in one place.
 */
public class ChirpException extends RuntimeException {
    /** What kind of failure this is. */
    public enum Kind {
        /** The user asked for something malformed (bad flag, bad address syntax). */
        USAGE,
        /** A named thing (VM, image, symbol, file) does not exist. */
        NOT_FOUND,
        /** A guest address is not backed by memory, or not mapped in the address space. */
        UNMAPPED,
        /** Data read from the guest or an image is inconsistent (corrupt, hostile, or changing underneath us). */
        CORRUPT,
        /** A channel (QMP, gdbstub, shared RAM) is not available for this VM. */
        UNAVAILABLE,
        /** An I/O error on a host resource. */
        IO,
        /** The operation was interrupted or cancelled. */
        INTERRUPTED,
        /** A bug in CHIRP. */
        INTERNAL
    }

    private final Kind kind;

    public ChirpException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public ChirpException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    /** {@return the kind of failure} */
    public Kind kind() { return kind; }

    public static ChirpException usage(String msg) { return new ChirpException(Kind.USAGE, msg); }
    public static ChirpException notFound(String msg) { return new ChirpException(Kind.NOT_FOUND, msg); }
    public static ChirpException corrupt(String msg) { return new ChirpException(Kind.CORRUPT, msg); }
    public static ChirpException unavailable(String msg) { return new ChirpException(Kind.UNAVAILABLE, msg); }
    public static ChirpException io(String msg, Throwable cause) { return new ChirpException(Kind.IO, msg, cause); }
}
