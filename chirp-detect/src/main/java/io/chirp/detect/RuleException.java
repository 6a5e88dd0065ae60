package io.chirp.detect;

import io.chirp.core.ChirpException;

/**
 * A rule that cannot be used: malformed YAML, a missing part, an unknown modifier, a condition that does not parse.
 * The message says what is wrong in the rule author's terms; the loader adds which file it came from.
 */
public final class RuleException extends ChirpException {
    public RuleException(String message) { super(Kind.CORRUPT, message); }

    public RuleException(String message, Throwable cause) { super(Kind.CORRUPT, message, cause); }
}
