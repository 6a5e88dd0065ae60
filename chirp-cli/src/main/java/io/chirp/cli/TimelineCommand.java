package io.chirp.cli;

import io.chirp.core.ChirpException;
import io.chirp.evidence.store.Actor;
import io.chirp.evidence.store.EvidenceStore;
import io.chirp.events.store.EventQuery;
import io.chirp.events.store.EventStore;
import io.chirp.events.store.Since;
import io.chirp.events.store.StoreDatabase;
import io.chirp.tables.Rows;
import io.chirp.tables.Timeline;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * {@code chirp timeline}: one timeline of one or more VMs, merging the event store's events and alerts, the disk's
 * MACB times ({@code --disk}) and the flows of captures ({@code --pcap}), or all of a case ({@code --case}) with its
 * artifacts; as a table, CSV, JSON, or Timesketch
 * JSONL (message, datetime, timestamp_desc). The rows are the declared timeline table the API returns.
 */
@Command(name = "timeline", mixinStandardHelpOptions = true, description = {
        "One timeline of VMs: events, alerts, disk MACB times and network flows, in time order.",
        "Exit code 4 when a source could not be read whole (warnings on stderr say which)."})
final class TimelineCommand implements Callable<Integer> {
    /** Output formats: the table's three, and Timesketch's JSON Lines. */
    enum Format { table, csv, json, jsonl }

    @Option(names = "--vm", paramLabel = "NAME", description = "a VM (repeatable); or --case") List<String> vms = new ArrayList<>();
    @Option(names = "--case", paramLabel = "ID", description = "a case of the evidence store: its VMs (members, and the VMs of"
            + " its alerts and artifacts), its artifacts when collected and the flows of its captures, on one axis") String caseId;
    @Option(names = "--evidence", paramLabel = "DIR", description = "the evidence store folder of --case (default $CHIRP_HOME/evidence)")
    Path evidence;
    @Option(names = "--since", paramLabel = "TIME",
            description = "from: ISO-8601 instant, a date (UTC), or a duration back from now: 10m, 2h, 1d") String since;
    @Option(names = "--until", paramLabel = "TIME", description = "to: the same forms as --since") String until;
    @Option(names = "--source", split = ",", paramLabel = "S", description = "only these sources: ${COMPLETION-CANDIDATES}")
    Set<Timeline.Source> sources;
    @Option(names = "--grep", paramLabel = "TEXT", description = "only entries whose message contains TEXT (any case)") String grep;
    @Option(names = "--disk", description = "add the MACB times of each VM's disk (read at a point in time; the VM must run)") boolean disk;
    @Option(names = "--pcap", paramLabel = "FILE", description = "add the flows of this capture of the (first) VM (repeatable)")
    List<Path> pcaps = new ArrayList<>();
    @Option(names = "--newest-first", description = "newest entries first (default: oldest first)") boolean newestFirst;
    @Option(names = "--limit", paramLabel = "N", defaultValue = "100000", description = "at most N entries") int limit;
    @Option(names = "--store", paramLabel = "PATH", description = "event store (default $CHIRP_HOME/events.db)") Path store;
    @Option(names = "--format", defaultValue = "table", description = "${COMPLETION-CANDIDATES}") Format format;
    @Spec CommandSpec spec;

    @Override public Integer call() {
        if (limit <= 0 || limit > Timeline.MAX_ENTRIES) throw ChirpException.usage("--limit must be 1 to " + Timeline.MAX_ENTRIES);
        Clock clock = Clock.systemUTC();
        Instant from = since == null ? null : Since.parse(since, clock);
        Instant to = until == null ? null : Since.parse(until, clock);
        Timeline t = new Timeline();
        List<String> vms = new ArrayList<>(this.vms);
        if (caseId != null) {
            try (EvidenceStore e = EvidenceStore.open(evidence != null ? evidence : EvidenceStore.defaultRoot())) {
                for (String vm : Timeline.caseVms(e, caseId)) if (!vms.contains(vm)) vms.add(vm);
                t.artifacts(e.listCase(caseId), e::blob);
                e.record(Actor.cli(), "view case timeline", "case/" + caseId, null, vms.size() + " VMs");
            }
        }
        if (vms.isEmpty()) throw ChirpException.usage(caseId != null ? "case " + caseId + " has no VMs, alerts or artifacts"
                : "give --vm NAME (repeatable) or --case ID");
        try (EventStore s = EventStore.openReadOnly(store != null ? store : StoreDatabase.defaultPath())) {
            for (String vm : vms) {
                EventQuery q = EventQuery.all().vm(vm).limit(limit);
                if (from != null) q = q.since(from);
                t.events(s.query(q));
            }
        }
        if (disk) for (String vm : vms) t.disk(vm);
        for (Path p : pcaps) t.capture(vms.getFirst(), p);
        Rows rows = t.rows(new Timeline.Query(from, to, sources == null ? EnumSet.noneOf(Timeline.Source.class) : sources,
                grep, newestFirst, limit));
        PrintWriter out = spec.commandLine().getOut();
        switch (format) {
            case jsonl -> {
                for (Map<String, Object> m : Timeline.timesketch(rows)) out.println(Json.line(m));
                out.flush();
            }
            case table -> Table.print(rows, out, Table.Format.table);
            case csv -> Table.print(rows, out, Table.Format.csv);
            case json -> Table.print(rows, out, Table.Format.json);
        }
        return ExitCode.okOrPartial(!Table.warn(spec, rows.problems()));
    }
}
