package io.chirp.events.validate;

import java.util.Objects;

/**
 * One problem found in an event.
 *
 * @param kind    what is wrong
 * @param path    where, as a dotted path with array indices ({@code actor.process.pid}, {@code evidences[0]})
 * @param message a sentence for a human
 */
public record Violation(Kind kind, String path, String message) {
    /** Kinds of violation; their names follow the schema server's error codes. */
    public enum Kind {
        CLASS_UNKNOWN, CLASS_MISMATCH, REQUIRED_MISSING, RECOMMENDED_MISSING, ATTRIBUTE_UNKNOWN,
        ATTRIBUTE_NEEDS_PROFILE, WRONG_TYPE, VALUE_INVALID, ENUM_VALUE_UNKNOWN, ENUM_SIBLING_INCORRECT,
        CONSTRAINT_FAILED, TYPE_UID_INCORRECT, PROFILE_UNKNOWN, VERSION_INCORRECT, DEPTH_EXCEEDED
    }

    public Violation {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(message, "message");
    }

    @Override public String toString() { return kind + " at " + (path.isEmpty() ? "<event>" : path) + ": " + message; }
}
