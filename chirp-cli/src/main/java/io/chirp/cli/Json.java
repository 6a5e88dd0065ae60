package io.chirp.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.chirp.core.ChirpException;
import io.chirp.tables.GuestJson;

/**
 * JSON as chirp prints it, with guest controls escaped ({@link GuestJson}, the same escaping as the server's API).
 */
public final class Json {
    private static final ObjectMapper MAPPER = mapper();
    private static final ObjectWriter PRETTY = MAPPER.writer().with(SerializationFeature.INDENT_OUTPUT);
    private static final ObjectWriter LINE = MAPPER.writer();

    private Json() {}

    /** {@return a mapper whose output escapes guest controls; for callers that build trees} */
    public static ObjectMapper mapper() {
        return GuestJson.mapper();
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
}
