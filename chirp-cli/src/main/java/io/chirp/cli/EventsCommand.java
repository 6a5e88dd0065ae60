package io.chirp.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.chirp.core.ChirpException;
import io.chirp.events.EventClass;
import io.chirp.events.OcsfEvent;
import io.chirp.events.Severity;
import io.chirp.events.store.EventQuery;
import io.chirp.events.store.EventStore;
import io.chirp.events.store.Since;
import io.chirp.events.store.StoreDatabase;
import io.chirp.events.store.StoredEvent;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code chirp events}: the normalized (OCSF) events in the embedded store, newest {@code --limit} in time order.
 * Table and CSV show one summary line per event (guest strings escaped by {@link Table}); JSON prints the OCSF
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
        Table table = new Table("time", "vm", "class", "activity", "severity", "summary", "uid");
        for (StoredEvent r : rows) {
            OcsfEvent e = r.event();
            table.row(Instant.ofEpochMilli(r.time()).toString(), r.vm(), className(r.classUid()), r.activity(),
                    Severity.of(r.severity()).caption(), summary(e), r.uid());
        }
        table.print(out, format);
        return 0;
    }

    private static void printJson(PrintWriter out, List<StoredEvent> rows) {
        ArrayNode list = Json.mapper().createArrayNode();
        for (StoredEvent r : rows) list.add(r.event().json());
        out.println(Json.pretty(list));
        out.flush();
    }

    private static String className(int uid) {
        for (EventClass c : EventClass.values()) if (c.uid() == uid) return c.schemaName();
        return Integer.toString(uid);
    }

    /** One line saying what happened; every piece is guest data, escaped later by Table. */
    static String summary(OcsfEvent e) {
        return switch (e.classUid()) {
            case 1007 -> text(e.at("process", "name")) + "[" + text(e.at("process", "pid")) + "] "
                    + text(e.at("process", "cmd_line"));
            case 1005 -> text(e.at("module", "file", "name")) + " @ " + text(e.at("module", "base_address"));
            case 4001 -> endpoint(e.at("src_endpoint")) + " -> " + endpoint(e.at("dst_endpoint")) + " "
                    + text(e.at("connection_info", "protocol_name"));
            case 1001 -> text(e.at("file", "path"));
            case 2004 -> text(e.at("finding_info", "title"));
            default -> text(e.at("message"));
        };
    }

    private static String endpoint(JsonNode n) {
        return n.isMissingNode() ? "*" : text(n.path("ip")) + ":" + text(n.path("port"));
    }

    private static String text(JsonNode n) { return n.isMissingNode() || n.isNull() ? "" : n.asText(); }
}
