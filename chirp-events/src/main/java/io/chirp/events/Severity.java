package io.chirp.events;

/** OCSF severity_id values and their captions. */
public enum Severity {
    UNKNOWN(0, "Unknown"), INFORMATIONAL(1, "Informational"), LOW(2, "Low"), MEDIUM(3, "Medium"), HIGH(4, "High"),
    CRITICAL(5, "Critical"), FATAL(6, "Fatal"), OTHER(99, "Other");

    private final int id;
    private final String caption;

    Severity(int id, String caption) {
        this.id = id;
        this.caption = caption;
    }

    /** {@return severity_id} */
    public int id() { return id; }

    /** {@return the caption used in the event's severity attribute} */
    public String caption() { return caption; }

    /** {@return the severity with this id, or UNKNOWN for ids OCSF does not define} */
    public static Severity of(int id) {
        for (Severity s : values()) if (s.id == id) return s;
        return UNKNOWN;
    }
}
