package io.chirp.detect.eval;

/**
 * Three-valued (Kleene) logic for rule evaluation. A regex that runs out of its step budget, or a value longer than
 * the part a regex looks at, neither holds nor fails: it is {@link #UNKNOWN}. Unknowns propagate through the
 * condition so that {@code sel or other} still fires when {@code other} holds, {@code sel and filter} is still false
 * when {@code sel} is false, and anything else that depends on the unknown is reported as undecided instead of
 * silently passing as "no match" (a guest could pad a command line to evade a rule otherwise).
 */
public enum Truth {
    TRUE, FALSE, UNKNOWN;

    /** {@return TRUE or FALSE} */
    public static Truth of(boolean b) { return b ? TRUE : FALSE; }

    /** {@return the conjunction: FALSE wins over UNKNOWN, UNKNOWN over TRUE} */
    public Truth and(Truth o) {
        if (this == FALSE || o == FALSE) return FALSE;
        return this == UNKNOWN || o == UNKNOWN ? UNKNOWN : TRUE;
    }

    /** {@return the disjunction: TRUE wins over UNKNOWN, UNKNOWN over FALSE} */
    public Truth or(Truth o) {
        if (this == TRUE || o == TRUE) return TRUE;
        return this == UNKNOWN || o == UNKNOWN ? UNKNOWN : FALSE;
    }

    /** {@return the negation (UNKNOWN stays UNKNOWN)} */
    public Truth not() {
        return switch (this) { case TRUE -> FALSE; case FALSE -> TRUE; case UNKNOWN -> UNKNOWN; };
    }
}
