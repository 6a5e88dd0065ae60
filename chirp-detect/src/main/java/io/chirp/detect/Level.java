package io.chirp.detect;

import java.util.Locale;

/** A Sigma rule's level, with the OCSF {@code severity_id} a finding at that level carries. */
public enum Level {
    INFORMATIONAL(1), LOW(2), MEDIUM(3), HIGH(4), CRITICAL(5);

    private final int ocsfSeverityId;

    Level(int ocsfSeverityId) { this.ocsfSeverityId = ocsfSeverityId; }

    /** {@return OCSF severity_id: 1 Informational .. 5 Critical} */
    public int ocsfSeverityId() { return ocsfSeverityId; }

    /** {@return the lower-case name used in Sigma YAML} */
    public String sigmaName() { return name().toLowerCase(Locale.ROOT); }

    /** {@return the level named in a rule, or null if the name is not a Sigma level} */
    public static Level parse(String s) {
        if (s == null) return null;
        for (Level l : values()) if (l.sigmaName().equals(s.strip().toLowerCase(Locale.ROOT))) return l;
        return null;
    }
}
