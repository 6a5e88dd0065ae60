package io.chirp.tables;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Every declared table, by name: what the API's schema listing and the OpenAPI document enumerate. */
public final class Tables {
    private Tables() {}

    /** {@return all declared tables, Linux views first} */
    public static List<TableDef<?>> all() {
        List<TableDef<?>> all = new ArrayList<>(LinuxTables.all());
        all.addAll(HostTables.all());
        all.addAll(DiskTables.all());
        all.addAll(NetTables.all());
        all.addAll(MemoryViews.all());
        all.add(Timeline.TABLE);
        return List.copyOf(all);
    }

    /** {@return the table called {@code name}} */
    public static Optional<TableDef<?>> byName(String name) {
        return all().stream().filter(t -> t.name().equals(name)).findFirst();
    }
}
