package io.chirp.events.schema;

import java.util.List;
import java.util.regex.Pattern;

/**
 * An OCSF data type from the dictionary, with its primitive base and value rules.
 *
 * @param name      type name ({@code port_t})
 * @param primitive the primitive it is checked as: one of {@code string_t integer_t long_t float_t boolean_t json_t}
 * @param regex     a pattern the string must contain a match of (the server uses an unanchored match), or null
 * @param maxLength maximum string length, or 0 for none
 * @param range     inclusive numeric {min, max}, or null
 * @param values    the only allowed values (booleans), or empty
 */
public record DataType(String name, String primitive, Pattern regex, int maxLength, long[] range, List<Object> values) {
    public DataType {
        values = List.copyOf(values);
        range = range == null ? null : range.clone();
    }

    @Override public long[] range() { return range == null ? null : range.clone(); }
}
