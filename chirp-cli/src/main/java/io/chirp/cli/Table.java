package io.chirp.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A result as rows of named columns, printed as an aligned table, JSON or CSV. Every cell is escaped for its
 * format: values often come from the guest, and a guest string must never drive the analyst's terminal.
 */
public final class Table {
    public enum Format { table, json, csv }

    private final List<String> columns;
    private final List<List<Object>> rows = new ArrayList<>();

    public Table(String... columns) { this.columns = List.of(columns); }

    public Table row(Object... cells) {
        if (cells.length != columns.size()) throw new IllegalArgumentException("row width");
        rows.add(java.util.Arrays.asList(cells));
        return this;
    }

    public void print(PrintWriter out, Format format) {
        switch (format) {
            case json -> printJson(out);
            case csv -> printCsv(out);
            case table -> printTable(out);
        }
        out.flush();
    }

    private void printTable(PrintWriter out) {
        int[] w = new int[columns.size()];
        List<List<String>> text = new ArrayList<>();
        for (List<Object> r : rows) {
            List<String> t = new ArrayList<>();
            for (Object c : r) t.add(escape(c == null ? "-" : c.toString()));
            text.add(t);
        }
        for (int i = 0; i < w.length; i++) {
            w[i] = columns.get(i).length();
            for (List<String> t : text) w[i] = Math.max(w[i], Math.min(t.get(i).length(), 80));
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < w.length; i++) sb.append(pad(columns.get(i).toUpperCase(), w[i], i == w.length - 1));
        out.println(sb.toString().stripTrailing());
        for (List<String> t : text) {
            sb.setLength(0);
            for (int i = 0; i < w.length; i++) sb.append(pad(t.get(i), w[i], i == w.length - 1));
            out.println(sb.toString().stripTrailing());
        }
    }

    private static String pad(String s, int w, boolean last) {
        if (last) return s;
        return s.length() >= w ? s + "  " : s + " ".repeat(w - s.length() + 2);
    }

    private void printJson(PrintWriter out) {
        List<Map<String, Object>> list = new ArrayList<>();
        for (List<Object> r : rows) {
            Map<String, Object> m = new LinkedHashMap<>();
            for (int i = 0; i < columns.size(); i++) m.put(columns.get(i), r.get(i));
            list.add(m);
        }
        try {
            out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(list));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private void printCsv(PrintWriter out) {
        out.println(String.join(",", columns));
        for (List<Object> r : rows) {
            List<String> cells = new ArrayList<>();
            for (Object c : r) {
                // Control characters from a guest are escaped here too: CSV is often read in a terminal.
                String s = c == null ? "" : escape(c.toString());
                // Neutralise spreadsheet formulas and quote every cell that needs it.
                if (!s.isEmpty() && "=+-@".indexOf(s.charAt(0)) >= 0 && !(c instanceof Number)) s = "'" + s;
                if (s.contains(",") || s.contains("\"") || s.contains("\n") || s.contains("\r")) {
                    s = "\"" + s.replace("\"", "\"\"") + "\"";
                }
                cells.add(s);
            }
            out.println(String.join(",", cells));
        }
    }

    /**
     * Escapes control and non-printable characters as \xNN (and backslash as \\) so terminal escape sequences from
     * a guest stay inert. JSON output needs no such step: Jackson escapes control characters itself.
     */
    public static String escape(String s) {
        StringBuilder sb = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean bad = c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == '\\';
            if (bad && sb == null) sb = new StringBuilder(s.substring(0, i));
            if (sb != null) {
                if (c == '\\') sb.append("\\\\");
                else if (bad) sb.append(String.format("\\x%02x", (int) c));
                else sb.append(c);
            }
        }
        return sb == null ? s : sb.toString();
    }
}
