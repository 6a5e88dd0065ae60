package io.chirp.cli;

import io.chirp.tables.ColumnType;
import io.chirp.tables.Rows;
import io.chirp.tables.TextCells;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A result as rows of named columns, printed as an aligned table, JSON or CSV. Every cell is escaped for its
 * format ({@link #escape} for tables and CSV, {@link Json} for JSON): values often come from the guest, and a guest
 * string must never drive the analyst's terminal or disguise itself.
 *
 * <p>Views print their declared rows ({@link Rows}, from chirp-tables) through {@link #print(Rows, PrintWriter, Format)}
 * and {@link #show}: JSON gets the typed cells (numbers as numbers, addresses as 0x-hex), table and CSV the columns'
 * text forms. The same rows are what the REST API returns, so a column is declared once, not per command.
 */
public final class Table {
    public enum Format { table, json, csv }

    /** Most warning lines a partial result prints on stderr (the count of the rest follows). */
    private static final int MAX_WARNINGS = 20;

    /** A numeric cell's text form: CSV must not mistake a negative number for a formula. */
    private record Numeric(String text) {
        @Override public String toString() { return text; }
    }

    /** Prints declared rows in {@code format} (problems are not printed here: see {@link #show}). */
    public static void print(Rows rows, PrintWriter out, Format format) {
        if (format == Format.json) {
            out.println(Json.pretty(rows.objects()));
            out.flush();
            return;
        }
        Table t = new Table(rows.names().toArray(String[]::new));
        List<List<String>> text = rows.text();
        for (int r = 0; r < text.size(); r++) {
            Object[] cells = new Object[rows.columns().size()];
            for (int i = 0; i < cells.length; i++) {
                String c = text.get(r).get(i);
                ColumnType type = rows.columns().get(i).type();
                boolean number = (type == ColumnType.INTEGER || type == ColumnType.NUMBER)
                        && rows.values().get(r).get(i) instanceof Number;
                cells[i] = c == null ? null : number ? new Numeric(c) : c;
            }
            t.rows.add(java.util.Arrays.asList(cells));
        }
        t.print(out, format);
    }

    /**
     * Prints declared rows on the command's output and their problems as warnings on its error stream;
     * {@return {@link ExitCode#PARTIAL}'s code when there were problems, else 0}
     */
    public static int show(CommandSpec spec, Rows rows, Format format) {
        print(rows, spec.commandLine().getOut(), format);
        return ExitCode.okOrPartial(!warn(spec, rows.problems()));
    }

    /** Prints why a result is partial, one escaped line per problem; {@return true when there were any} */
    public static boolean warn(CommandSpec spec, List<String> problems) {
        PrintWriter err = spec.commandLine().getErr();
        for (int i = 0; i < problems.size() && i < MAX_WARNINGS; i++) {
            err.println("chirp: warning: partial result: " + escape(problems.get(i)));
        }
        if (problems.size() > MAX_WARNINGS) err.println("chirp: warning: ... and " + (problems.size() - MAX_WARNINGS) + " more");
        err.flush();
        return !problems.isEmpty();
    }

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
        out.println(Json.pretty(list));
    }

    private void printCsv(PrintWriter out) {
        out.println(String.join(",", columns));
        for (List<Object> r : rows) {
            List<String> cells = new ArrayList<>();
            for (Object c : r) cells.add(TextCells.csv(c == null ? null : c.toString(), c instanceof Number || c instanceof Numeric));
            out.println(String.join(",", cells));
        }
    }

    /** Escapes a guest string for a terminal or CSV: see {@link TextCells#escape}. */
    public static String escape(String s) { return TextCells.escape(s); }

    /** {@return true for a character that is a control or invisible}: see {@link TextCells#hidden}. */
    static boolean hidden(char c) { return TextCells.hidden(c); }
}
