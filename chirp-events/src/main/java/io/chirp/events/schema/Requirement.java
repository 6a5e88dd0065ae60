package io.chirp.events.schema;

/** How strongly OCSF asks for an attribute. Missing "required" is an error; missing "recommended" a warning. */
public enum Requirement {
    REQUIRED, RECOMMENDED, OPTIONAL;

    /** {@return the requirement named in a schema file; absent means optional, as in the schema server} */
    public static Requirement of(String text) {
        if (text == null) return OPTIONAL;
        return switch (text) {
            case "required" -> REQUIRED;
            case "recommended" -> RECOMMENDED;
            default -> OPTIONAL;
        };
    }
}
