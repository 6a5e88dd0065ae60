package io.chirp.cli;

import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.chirp.core.ChirpException;

/**
 * JSON as chirp prints it. Jackson escapes only what JSON requires (C0 controls, quote, backslash); a guest string
 * may also carry DEL, C1 controls (8-bit CSI and OSC, which some terminals obey), bidirectional controls and
 * invisible characters. Here every character {@link Table#escape} shows as an escape, and every surrogate, is
 * written as a <code>&#92;uNNNN</code> escape: the JSON means the same string, and {@code cat} of it is inert.
 */
public final class Json {
    private static final ObjectMapper MAPPER = mapper();
    private static final ObjectWriter PRETTY = MAPPER.writer().with(SerializationFeature.INDENT_OUTPUT);
    private static final ObjectWriter LINE = MAPPER.writer();

    private Json() {}

    /** {@return a mapper whose output escapes guest controls; for callers that build trees} */
    public static ObjectMapper mapper() {
        ObjectMapper m = new ObjectMapper();
        m.getFactory().setCharacterEscapes(new GuestEscapes());
        return m;
    }

    /** {@return the value as indented JSON} */
    public static String pretty(Object value) { return write(PRETTY, value); }

    /** {@return the value as JSON on one line (for JSON Lines output)} */
    public static String line(Object value) { return write(LINE, value); }

    private static String write(ObjectWriter w, Object value) {
        try {
            return w.writeValueAsString(value);
        } catch (Exception e) {
            throw new ChirpException(ChirpException.Kind.INTERNAL, "cannot write JSON: " + e.getMessage(), e);
        }
    }

    /** Jackson's standard escapes plus &#92;u escapes for DEL, C1, bidi and invisible characters and surrogates. */
    static final class GuestEscapes extends CharacterEscapes {
        private final int[] ascii = ascii();

        private static int[] ascii() {
            int[] a = standardAsciiEscapesForJSON();
            a[0x7f] = ESCAPE_CUSTOM; // DEL is ASCII: Jackson asks the table, not getEscapeSequence
            return a;
        }

        @Override public int[] getEscapeCodesForAscii() { return ascii; }

        @Override public SerializableString getEscapeSequence(int ch) {
            char c = (char) ch;
            if (ch == 0x7f || (ch >= 0x80 && Table.hidden(c)) || Character.isSurrogate(c)) {
                return new SerializedString(String.format("\\u%04x", ch));
            }
            return null;
        }
    }
}
