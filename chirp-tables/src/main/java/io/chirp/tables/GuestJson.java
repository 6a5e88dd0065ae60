package io.chirp.tables;

import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * JSON that is inert wherever it is shown, for the CLI's {@code --format json} and the server's API alike. Jackson
 * escapes only what JSON requires (C0 controls, quote, backslash); a guest string may also carry DEL, C1 controls
 * (8-bit CSI and OSC, which some terminals obey), bidirectional controls and invisible characters. With these
 * escapes every character {@link TextCells#hidden} names, and every surrogate, is written as a <code>&#92;uNNNN</code>
 * escape: the JSON means the same string, and {@code cat} or a browser's raw view of it is inert.
 */
public final class GuestJson {
    private GuestJson() {}

    /** {@return a new mapper whose output escapes guest controls} */
    public static ObjectMapper mapper() {
        return escaping(new ObjectMapper());
    }

    /** {@return {@code m}, set to escape guest controls in everything it writes} */
    public static ObjectMapper escaping(ObjectMapper m) {
        m.getFactory().setCharacterEscapes(new Escapes());
        return m;
    }

    /** Jackson's standard escapes plus &#92;u escapes for DEL, C1, bidi and invisible characters and surrogates. */
    static final class Escapes extends CharacterEscapes {
        private final int[] ascii = ascii();

        private static int[] ascii() {
            int[] a = standardAsciiEscapesForJSON();
            a[0x7f] = ESCAPE_CUSTOM; // DEL is ASCII: Jackson asks the table, not getEscapeSequence
            return a;
        }

        @Override public int[] getEscapeCodesForAscii() { return ascii; }

        @Override public SerializableString getEscapeSequence(int ch) {
            char c = (char) ch;
            if (ch == 0x7f || (ch >= 0x80 && TextCells.hidden(c)) || Character.isSurrogate(c)) {
                return new SerializedString(String.format("\\u%04x", ch));
            }
            return null;
        }
    }
}
