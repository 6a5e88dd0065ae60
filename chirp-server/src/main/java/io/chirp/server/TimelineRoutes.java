package io.chirp.server;

import io.chirp.events.store.EventQuery;
import io.chirp.events.store.Since;
import io.chirp.tables.Rows;
import io.chirp.tables.TextCells;
import io.chirp.tables.Timeline;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.chirp.server.Param.In.QUERY;
import static io.chirp.server.Role.VIEWER;

/**
 * The timeline part of the route table ({@link Api} calls it): one timeline over a set of VMs and a time range —
 * events and alerts of the event store, the flows of the server's capture jobs of those VMs and, when asked, their
 * disks' MACB times — sortable and filterable, as JSON rows, CSV or Timesketch JSONL; and the same of a case: its
 * VMs, with its artifacts (when each was collected) and the flows of its captures on the same axis.
 */
final class TimelineRoutes {
    /** Most VMs one timeline merges. */
    static final int MAX_VMS = 64;

    private final Api api;
    private final ChirpServer s;

    TimelineRoutes(Api api, ChirpServer s) {
        this.api = api;
        this.s = s;
    }

    void declare() {
        api.add("GET", "/api/timeline", "getTimeline", "events", VIEWER, true,
                "One timeline of VMs: events, alerts, flows of capture jobs and (disk=true) disk MACB times, in time order",
                filters(Param.text("vm", QUERY, true, "the VMs, comma-separated", Param.VM_NAME + "(," + Param.VM_NAME + "){0,"
                        + (MAX_VMS - 1) + "}", MAX_VMS * (Param.VM_NAME_MAX + 1)).withExample("victim")),
                Route.Response.json("timeline", "rows of the timeline table (or a CSV / JSONL download)"), null,
                c -> timeline(c, new LinkedHashSet<>(List.of(c.require("vm").split(","))), null));
        api.add("GET", "/api/cases/{id}/timeline", "getCaseTimeline", "cases", VIEWER, true,
                "One timeline of a case: the events and alerts of its VMs (its VM members and the VMs of its alerts and"
                        + " artifacts), its artifacts when they were collected, the flows of its captures and (disk=true) its"
                        + " VMs' disk MACB times, in time order",
                filters(Param.pathId("id", "the case id")),
                Route.Response.json("timeline", "rows of the timeline table (or a CSV / JSONL download)"), null, c -> {
                    String id = c.require("id");
                    Set<String> vms = Timeline.caseVms(s.evidence(), id);
                    if (vms.size() > MAX_VMS) throw io.chirp.core.ChirpException.usage("case " + id + " has " + vms.size()
                            + " VMs; a timeline merges at most " + MAX_VMS);
                    return timeline(c, vms, id);
                });
    }

    /** The parameters both timelines take: {@code first} (which VMs), then range, sources, text, order, limit, format. */
    private static List<Param> filters(Param first) {
        String time = "[0-9A-Za-z:.+-]{1,40}";
        return List.of(first,
                Param.text("from", QUERY, false, "earliest: ISO-8601 instant, a date, or a duration back: 10m, 2h, 1d", time, 40),
                Param.text("to", QUERY, false, "latest, in the same forms", time, 40),
                Param.choices("sources", "only these sources (comma-separated)",
                        Arrays.stream(Timeline.Source.values()).map(Enum::name).toList()),
                Param.text("q", QUERY, false, "only entries whose message contains this (any case)", null, 200),
                Param.choice("order", QUERY, false, "oldest or newest first", "oldest", List.of("oldest", "newest")),
                Param.integer("limit", QUERY, "at most this many entries", 1, 100_000, 10_000L),
                Param.flag("disk", "add the disks' MACB times (each VM's disk is read at a point in time; slow)"),
                Param.choice("format", QUERY, false, "json (rows), csv or jsonl (Timesketch: message, datetime,"
                        + " timestamp_desc)", "json", List.of("json", "csv", "jsonl")));
    }

    /**
     * The timeline of {@code vms}; of a case ({@code caseId} not null), its flows come from the case's captures and
     * its artifacts are entries, else the flows come from the server's capture jobs of those VMs.
     */
    private Reply timeline(Call c, Set<String> vms, String caseId) {
        Clock clock = Clock.systemUTC();
        Instant from = c.text("from") == null ? null : Since.parse(c.text("from"), clock);
        Instant to = c.text("to") == null ? null : Since.parse(c.text("to"), clock);
        int limit = c.integer("limit");
        Set<String> wanted = c.set("sources");
        Set<Timeline.Source> sources = EnumSet.noneOf(Timeline.Source.class);
        if (wanted != null) for (String w : wanted) sources.add(Timeline.Source.valueOf(w));
        Timeline t = new Timeline();
        for (String vm : vms) {
            // events: the newest LIMIT after FROM of each VM; entries after TO are dropped by the query below
            EventQuery q = EventQuery.all().vm(vm).limit(limit);
            if (from != null) q = q.since(from);
            t.events(s.queryEvents(q));
            if (caseId == null) {
                for (Jobs.View j : s.jobs().list()) {
                    if (j.kind().equals("capture") && j.vm().equals(vm)) s.jobs().artifact(j.id()).ifPresent(f -> t.capture(vm, f));
                }
            }
            if (c.flag("disk")) t.disk(vm);
        }
        if (caseId != null) t.artifacts(s.evidence().listCase(caseId), s.evidence()::blob);
        Rows rows = t.rows(new Timeline.Query(from, to, sources, c.text("q"), c.text("order").equals("newest"), limit));
        return switch (c.text("format")) {
            case "csv" -> new Reply.Download("text/csv; charset=utf-8", "timeline.csv",
                    out -> out.write(TextCells.csv(rows).getBytes(StandardCharsets.UTF_8)));
            case "jsonl" -> new Reply.Download("application/x-ndjson", "timeline.jsonl", out -> {
                for (Map<String, Object> m : Timeline.timesketch(rows)) {
                    out.write(HttpFront.JSON.writeValueAsBytes(m));
                    out.write('\n');
                }
            });
            default -> Reply.ok(Api.tableJson(rows));
        };
    }
}
