package io.chirp.tables;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The type of a column: how its cells look in JSON (and in the OpenAPI schema) and as text in a table or CSV.
 * 64-bit addresses and register values are 0x-hex strings, because JSON numbers (IEEE doubles in most readers)
 * cannot hold them exactly.
 */
public enum ColumnType {
    /** A whole number (a JSON integer). */
    INTEGER("integer", null),
    /** A number with a fraction, shown with two decimals as text (a JSON number). */
    NUMBER("number", null),
    /** Text (often guest data: escape it for terminals). */
    STRING("string", null),
    /** true or false. */
    BOOLEAN("boolean", null),
    /** An unsigned 64-bit value as a 0x-prefixed lower-case hex string. */
    HEX("string", "hex64"),
    /** An instant as an ISO-8601 UTC string. */
    TIMESTAMP("string", "date-time"),
    /** Named values (a JSON object of strings); as text, {@code key=value} pairs separated by spaces. */
    OBJECT("object", null),
    /** A list of strings; as text, joined by spaces. */
    LIST("array", null);

    private final String jsonType;
    private final String format;

    ColumnType(String jsonType, String format) {
        this.jsonType = jsonType;
        this.format = format;
    }

    /** {@return the JSON Schema type of a cell} */
    public String jsonType() { return jsonType; }

    /** {@return the JSON Schema format of a cell, or null} */
    public String format() { return format; }

    /** {@return the lower-case name used in schemas and docs} */
    public String label() { return name().toLowerCase(Locale.ROOT); }

    /** {@return a cell as text for a table or CSV, or null for an absent value} */
    public String text(Object value) {
        if (value == null) return null;
        return switch (this) {
            case NUMBER -> value instanceof Number n ? String.format(Locale.ROOT, "%.2f", n.doubleValue()) : value.toString();
            case OBJECT -> value instanceof Map<?, ?> m ? m.entrySet().stream()
                    .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(" ")) : value.toString();
            case LIST -> value instanceof List<?> l ? l.stream().map(String::valueOf).collect(Collectors.joining(" "))
                    : value.toString();
            default -> value.toString();
        };
    }

    /** {@return an unsigned 64-bit value as this project writes addresses} */
    public static String hex(long v) { return "0x" + Long.toHexString(v); }
}
