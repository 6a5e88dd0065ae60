package io.chirp.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Hostile guest strings through every output format: nothing that drives a terminal or hides text gets out raw. */
class TableTest {
    /** What a hostile guest puts in a process name, a file path, a log line. */
    static final String HOSTILE = "a\u001b[31mred\u009b2J\u009d0;pwned\u0007\u007f\r\n"
            + "\u202egnp.exe\u2066iso\u2069\u200e\u200f\u061c\u200b\u2028\ufeff"
            + "lit\\x1b" + "\udc9b" + "\ud800" + "😀é";

    /** Every character that must never appear unescaped in output. */
    static final List<Character> FORBIDDEN = List.of('\u001b', '\u009b', '\u009d', '\u0007', '\u007f', '\r',
            '\u202e', '\u2066', '\u2069', '\u200e', '\u200f', '\u061c', '\u200b', '\u2028', '\ufeff', '\udc9b', '\ud800');

    static String print(Table.Format f) {
        StringWriter s = new StringWriter();
        new Table("name", "n").row(HOSTILE, 1).print(new PrintWriter(s), f);
        return s.toString();
    }

    static void assertInert(String out) {
        for (char c : FORBIDDEN) assertThat(out.indexOf(c)).as("U+%04X in output", (int) c).isEqualTo(-1);
    }

    @Test
    void escapeShowsEveryHiddenCharacterVisiblyAndUnambiguously() {
        String e = Table.escape(HOSTILE);
        assertInert(e);
        assertThat(e).contains("a\\x1b[31mred", "\\u009b2J", "\\u009d0;pwned\\x07\\x7f\\x0d\\x0a",
                "\\u202egnp.exe\\u2066iso\\u2069\\u200e\\u200f\\u061c\\u200b\\u2028\\ufeff");
        // A literal backslash is itself escaped, so the guest's text "\x1b" is not mistaken for an escaped ESC ...
        assertThat(e).contains("lit\\\\x1b");
        // ... and a byte that was not UTF-8 (surrogateescape U+DC9B) is told apart from the character U+009B.
        assertThat(e).contains("\\x9b\\ud800");
        assertThat(e).endsWith("😀é");
        assertThat(Table.escape("plain text, ümlaut")).isEqualTo("plain text, ümlaut");
    }

    @Test
    void tableAndCsvAreInert() {
        for (Table.Format f : List.of(Table.Format.table, Table.Format.csv)) {
            String out = print(f);
            assertInert(out);
            assertThat(out).as(f.name()).contains(Table.escape(HOSTILE)).contains("😀é");
            assertThat(out.lines().count()).as(f.name() + ": one line per row").isEqualTo(2);
        }
    }

    @Test
    void jsonIsInertAndMeansTheSameString() throws Exception {
        String out = print(Table.Format.json);
        assertInert(out);
        assertThat(out).contains("\\u009b", "\\u007f", "\\u202e", "\\u2066", "\\u061c", "\\udc9b", "\\u001B");
        JsonNode back = new ObjectMapper().readTree(out);
        assertThat(back.get(0).get("name").asText()).isEqualTo(HOSTILE);
        assertThat(back.get(0).get("n").asInt()).isEqualTo(1);
        assertThat(Json.line(java.util.Map.of("k", HOSTILE))).doesNotContain("\u009b").startsWith("{\"k\":\"a\\u001B[31m");
    }

    @Test
    void csvCellsStayCellsAndFormulasInert() {
        StringWriter s = new StringWriter();
        new Table("a", "b").row("=cmd|' /C calc'!A0", "x,\"y\"").print(new PrintWriter(s), Table.Format.csv);
        assertThat(s.toString().lines().toList()).containsExactly("a,b", "'=cmd|' /C calc'!A0,\"x,\"\"y\"\"\"");
    }
}
