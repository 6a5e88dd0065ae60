package io.chirp.tables;

import java.util.ArrayList;
import java.util.List;

/**
 * Cells as text, made safe for where text goes: terminals and CSV files (often opened in a terminal or a
 * spreadsheet). A guest string must never drive the analyst's terminal, disguise itself, or run as a formula. The
 * CLI's tables and CSV and the API's CSV exports all use these.
 */
public final class TextCells {
    private TextCells() {}

    /**
     * Escapes what must not reach a terminal or a reader of the text as itself, so a guest string can neither drive
     * the analyst's terminal nor disguise itself:
     * <ul>
     *   <li>C0 controls and DEL as {@code \xNN}, C1 controls (U+0080-U+009F: 8-bit CSI and OSC) as <code>&#92;u00NN</code>;</li>
     *   <li>bidirectional controls (U+061C, U+200E/F, U+202A-U+202E, U+2066-U+2069), zero-width and other invisible
     *       format characters (U+200B-U+200D, U+2028/9, U+2060-U+2064, U+FEFF, U+FFF9-U+FFFB) as <code>&#92;uNNNN</code>;</li>
     *   <li>lone surrogates: U+DC80-U+DCFF as {@code \xNN} (the "surrogateescape" convention for a byte that was not
     *       valid UTF-8), others as <code>&#92;uNNNN</code>;</li>
     *   <li>the backslash itself as {@code \\}, so every escape is unambiguous: a guest string that spells
     *       {@code \x1b} prints as {@code \\x1b}.</li>
     * </ul>
     */
    public static String escape(String s) {
        StringBuilder sb = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean pair = Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
            boolean bad = !pair && (c == '\\' || hidden(c) || Character.isSurrogate(c));
            if (bad && sb == null) sb = new StringBuilder(s.length() + 16).append(s, 0, i);
            if (sb == null) {
                if (pair) i++;
                continue;
            }
            if (pair) {
                sb.append(c).append(s.charAt(++i));
            } else if (!bad) {
                sb.append(c);
            } else if (c == '\\') {
                sb.append("\\\\");
            } else if (c < 0x80) {
                sb.append(String.format("\\x%02x", (int) c));
            } else if (c >= 0xdc80 && c <= 0xdcff) {
                sb.append(String.format("\\x%02x", c - 0xdc00));
            } else {
                sb.append(String.format("\\u%04x", (int) c));
            }
        }
        return sb == null ? s : sb.toString();
    }

    /**
     * {@return true for a character that is a control or invisible, and so must be shown as an escape}
     * Surrogates are judged by {@link #escape}, which sees pairs.
     */
    public static boolean hidden(char c) {
        return c < 0x20 || (c >= 0x7f && c < 0xa0)
                || c == 0x061c || (c >= 0x200b && c <= 0x200f) || (c >= 0x2028 && c <= 0x202e)
                || (c >= 0x2060 && c <= 0x2064) || (c >= 0x2066 && c <= 0x2069) || c == 0xfeff
                || (c >= 0xfff9 && c <= 0xfffb);
    }

    /**
     * {@return a CSV cell: escaped as {@link #escape}, a leading formula character neutralised unless the cell is a
     * number, quoted when it holds a comma, quote or line break; empty for null}
     */
    public static String csv(String cell, boolean number) {
        String s = cell == null ? "" : escape(cell);
        if (!s.isEmpty() && "=+-@".indexOf(s.charAt(0)) >= 0 && !number) s = "'" + s;
        if (s.contains(",") || s.contains("\"") || s.contains("\n") || s.contains("\r")) s = "\"" + s.replace("\"", "\"\"") + "\"";
        return s;
    }

    /** {@return the rows as CSV: a header of column names, then one line per row (CRLF-free, \n-terminated)} */
    public static String csv(Rows rows) {
        StringBuilder sb = new StringBuilder(String.join(",", rows.names())).append('\n');
        List<List<String>> text = rows.text();
        for (int r = 0; r < text.size(); r++) {
            List<String> cells = new ArrayList<>();
            for (int i = 0; i < rows.columns().size(); i++) {
                ColumnType type = rows.columns().get(i).type();
                boolean number = (type == ColumnType.INTEGER || type == ColumnType.NUMBER) && rows.values().get(r).get(i) instanceof Number;
                cells.add(csv(text.get(r).get(i), number));
            }
            sb.append(String.join(",", cells)).append('\n');
        }
        return sb.toString();
    }
}
