package io.chirp.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import io.chirp.core.ChirpException;
import io.chirp.events.EventClass;
import io.chirp.events.store.EventQuery;
import io.chirp.events.store.EventStore;
import io.chirp.events.store.Since;
import io.chirp.events.store.StoreDatabase;
import io.chirp.events.store.StoredEvent;
import io.chirp.tables.HostTables;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code chirp events}: the normalized (OCSF) events in the embedded store, newest {@code --limit} in time order.
 * Table and CSV show the declared events rows, one summary line per event (guest strings escaped by {@link Table}); JSON prints the OCSF
 * events themselves (guest controls escaped by {@link Json}).
 */
@Command(name = "events", mixinStandardHelpOptions = true, description = "Show OCSF events from the event store.")
final class EventsCommand implements Callable<Integer> {
    @Option(names = "--vm", paramLabel = "NAME", description = "only this VM") String vm;
    @Option(names = "--since", paramLabel = "TIME",
            description = "ISO-8601 instant, a date (UTC), or a duration back from now: 10m, 2h, 1d") String since;
    @Option(names = "--class", paramLabel = "NAME",
            description = "process, module, network, file, detection, an OCSF class name or a class_uid") String cls;
    @Option(names = "--limit", paramLabel = "N", defaultValue = "1000", description = "at most N (the newest)") int limit;
    @Option(names = "--store", paramLabel = "PATH", description = "event store (default $CHIRP_HOME/events.db)") Path store;
    @Option(names = "--format", defaultValue = "table", description = "table, json or csv") Table.Format format;
    @Spec CommandSpec spec;

    @Override public Integer call() {
        if (limit <= 0) throw ChirpException.usage("--limit must be positive");
        EventQuery q = EventQuery.all().limit(limit).vm(vm);
        if (since != null) q = q.since(Since.parse(since, Clock.systemUTC()));
        // One parser for names and uids, so an unknown class_uid is a usage error too, not an empty result.
        if (cls != null) q = q.classUid(EventClass.parse(cls).uid());
        List<StoredEvent> rows;
        try (EventStore s = EventStore.openReadOnly(store != null ? store : StoreDatabase.defaultPath())) {
            rows = s.query(q);
        }
        PrintWriter out = spec.commandLine().getOut();
        if (format == Table.Format.json) {
            printJson(out, rows);
            return 0;
        }
        Table.print(HostTables.EVENTS.rows(rows), out, format);
        return 0;
    }

    private static void printJson(PrintWriter out, List<StoredEvent> rows) {
        ArrayNode list = Json.mapper().createArrayNode();
        for (StoredEvent r : rows) list.add(r.event().json());
        out.println(Json.pretty(list));
        out.flush();
    }
}
