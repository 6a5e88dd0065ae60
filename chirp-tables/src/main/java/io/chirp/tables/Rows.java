package io.chirp.tables;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The result of a view: typed cells in declared column order, and what could not be read. A non-empty
 * {@code problems} list means the rows are not the whole truth.
 *
 * @param table    the table's name
 * @param columns  the columns shown
 * @param values   one list of cells per row
 * @param problems why the result is partial (empty when complete)
 */
public record Rows(String table, List<ColumnInfo> columns, List<List<Object>> values, List<String> problems) {
    public Rows {
        columns = List.copyOf(columns);
        values = List.copyOf(values);
        problems = List.copyOf(problems);
    }

    /**
     * A column as a result carries it (the source accessor dropped).
     *
     * @param text the cell as text for tables and CSV
     */
    public record ColumnInfo(String name, ColumnType type, String doc, Function<Object, String> text) {
        static ColumnInfo of(Column<?> c) { return new ColumnInfo(c.name(), c.type(), c.doc(), c::textOf); }
    }

    /** {@return true when nothing was left unread} */
    public boolean complete() { return problems.isEmpty(); }

    /** {@return the column names} */
    public List<String> names() { return columns.stream().map(ColumnInfo::name).toList(); }

    /** {@return each row as a name-to-value map in column order (how JSON shows a row)} */
    public List<Map<String, Object>> objects() {
        List<Map<String, Object>> out = new ArrayList<>(values.size());
        for (List<Object> row : values) {
            Map<String, Object> m = new LinkedHashMap<>();
            for (int i = 0; i < columns.size(); i++) m.put(columns.get(i).name(), row.get(i));
            out.add(m);
        }
        return out;
    }

    /** {@return each row as text cells (null for absent), for a table or CSV} */
    public List<List<String>> text() {
        List<List<String>> out = new ArrayList<>(values.size());
        for (List<Object> row : values) {
            List<String> t = new ArrayList<>(row.size());
            for (int i = 0; i < columns.size(); i++) t.add(columns.get(i).text().apply(row.get(i)));
            out.add(t);
        }
        return out;
    }

    /** {@return these rows with more problems} */
    public Rows withProblems(List<String> more) {
        if (more.isEmpty()) return this;
        List<String> all = new ArrayList<>(problems);
        all.addAll(more);
        return new Rows(table, columns, values, all);
    }
}
