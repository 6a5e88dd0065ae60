package io.chirp.tables;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The one JSON escaping of the CLI and the server. */
class GuestJsonTest {
    @Test
    void guestControlsAreEscapedAndTheStringRoundTrips() throws Exception {
        String hostile = "a\u001b[31m\u009b2J\u009d0;x\u0007\u007f\u202egnp\u2066\u200b\ufeff\ud800é";
        String json = GuestJson.mapper().writeValueAsString(Map.of("k", hostile));
        assertThat(json).contains("\\u009b2J", "\\u009d0;x", "\\u007f", "\\u202egnp", "\\u2066", "\\u200b", "\\ufeff", "\\ud800", "é");
        for (char c : new char[] {'\u001b', '\u009b', '\u009d', '\u0007', '\u007f', '\u202e', '\u2066', '\u200b', '\ufeff', '\ud800'}) {
            assertThat(json.indexOf(c)).as("U+%04x raw", (int) c).isEqualTo(-1);
        }
        assertThat(GuestJson.mapper().readTree(json).path("k").asText()).isEqualTo(hostile);
    }
}
