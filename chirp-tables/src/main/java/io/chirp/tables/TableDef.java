package io.chirp.tables;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A declared table: its name, what one row is, and its columns in display order.
 *
 * @param name    the view's name (as the CLI spells it: pslist, sockets, ...)
 * @param doc     what one row is
 * @param columns the columns, optional ones included
 */
public record TableDef<R>(String name, String doc, List<Column<R>> columns) {
    public TableDef {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(doc, "doc");
        columns = List.copyOf(columns);
        if (columns.stream().map(Column::name).distinct().count() != columns.size()) {
            throw new IllegalArgumentException("duplicate column in " + name);
        }
    }

    @SafeVarargs
    public static <R> TableDef<R> of(String name, String doc, Column<R>... columns) {
        return new TableDef<>(name, doc, List.of(columns));
    }

    /** {@return the columns shown: the mandatory ones, plus the optional ones when asked} */
    public List<Column<R>> shown(boolean withOptional) {
        return withOptional ? columns : columns.stream().filter(c -> !c.optional()).toList();
    }

    /** {@return the column names shown} */
    public List<String> names(boolean withOptional) { return shown(withOptional).stream().map(Column::name).toList(); }

    /** {@return the rows for these source records, with problems to report alongside} */
    public Rows rows(Iterable<? extends R> items, boolean withOptional, List<String> problems) {
        List<Column<R>> cols = shown(withOptional);
        List<List<Object>> out = new ArrayList<>();
        for (R r : items) {
            List<Object> row = new ArrayList<>(cols.size());
            for (Column<R> c : cols) row.add(c.value().apply(r));
            out.add(java.util.Collections.unmodifiableList(row));
        }
        return new Rows(name, cols.stream().map(Rows.ColumnInfo::of).toList(), out, problems);
    }

    public Rows rows(Iterable<? extends R> items) { return rows(items, false, List.of()); }
}
