package io.chirp.tables;

import java.util.Objects;
import java.util.function.Function;

/**
 * One declared column: its name (as the CLI's header and the JSON key), type, a line of documentation, how to
 * get its value from a row's source record, and optionally a text form that differs from the type's default
 * (the CLI's "yes"/"PARTIAL" for completeness, "512M" for a memory size).
 *
 * @param name     the column name, lower-case with underscores
 * @param type     what its cells are
 * @param doc      what it means, for the OpenAPI document and {@code --help}
 * @param value    the cell for a source record: Integer/Long, Double, String, Boolean, Map or List, or null
 * @param text     the cell as text, or null to use {@link ColumnType#text}
 * @param optional shown only when the view is asked for it (psaux's environment, lsmod's parameters)
 */
public record Column<R>(String name, ColumnType type, String doc, Function<? super R, ?> value,
                        Function<Object, String> text, boolean optional) {
    public Column {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(doc, "doc");
        Objects.requireNonNull(value, "value");
        if (!name.matches("[a-z][a-z0-9_]*")) throw new IllegalArgumentException("column name: " + name);
    }

    public static <R> Column<R> of(String name, ColumnType type, String doc, Function<? super R, ?> value) {
        return new Column<>(name, type, doc, value, null, false);
    }

    /** {@return this column with its own text form} */
    public Column<R> withText(Function<Object, String> t) { return new Column<>(name, type, doc, value, t, optional); }

    /** {@return this column, shown only on request} */
    public Column<R> asOptional() { return new Column<>(name, type, doc, value, text, true); }

    /** {@return the cell as text (null when absent)} */
    public String textOf(Object cell) {
        if (cell == null) return null;
        return text != null ? text.apply(cell) : type.text(cell);
    }
}
