package io.chirp.tables;

import io.chirp.core.ChirpException;
import io.chirp.disk.DiskTarget;
import io.chirp.disk.fs.FileMeta;
import io.chirp.disk.fs.FileSystems;
import io.chirp.disk.fs.FileWalker;
import io.chirp.disk.fs.GuestNames;
import io.chirp.disk.fs.Listing;
import io.chirp.disk.fs.FileRecord;
import io.chirp.disk.fs.Macb;
import io.chirp.events.Severity;
import io.chirp.events.store.StoredEvent;
import io.chirp.evidence.store.Cases;
import io.chirp.evidence.store.StoredArtifact;
import io.chirp.net.flow.Flow;
import io.chirp.net.flow.FlowReport;
import io.chirp.net.flow.Flows;

import java.nio.file.Path;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

import static io.chirp.tables.ColumnType.STRING;
import static io.chirp.tables.ColumnType.TIMESTAMP;

/**
 * One timeline over a set of VMs: events of the event store (process, network, module, file, credential changes),
 * alerts (detection findings), disk MACB times and network flows, merged into one table and filtered by a
 * {@link Query} (time range, sources, text). The same rows serve the CLI ({@code chirp timeline}), the API
 * ({@code GET /api/timeline}), CSV, and Timesketch's JSONL ({@link #timesketch}: message, datetime, timestamp_desc).
 *
 * <pre>
 *   EventStore ──▶ events(...)  ┐
 *   disk listing ─▶ files(...)  ├─▶ Entry list ──▶ rows(query): range, sources, text, order, limit ──▶ Rows
 *   capture ─────▶ flows(...)   ┘                                                    └─▶ timesketch(rows): JSONL objects
 * </pre>
 */
public final class Timeline {
    /** Most entries one timeline holds (a disk with a million files gives four million MACB times). */
    public static final int MAX_ENTRIES = 2_000_000;

    /** Where an entry comes from. */
    public enum Source { event, alert, disk, flow, artifact }

    /**
     * One moment of the timeline.
     *
     * @param time          when
     * @param vm            the VM
     * @param source        where it comes from
     * @param kind          what sort of thing: the OCSF class, the MACB letter, or the flow's protocol
     * @param timestampDesc what the time means (Timesketch's timestamp_desc): "Process Activity", "Modified", ...
     * @param message       one line saying what happened (guest data)
     * @param severity      OCSF severity caption for events and alerts, null otherwise
     * @param ref           the event's uid, the file's inode, the flow's 5-tuple: how to find the original
     */
    public record Entry(Instant time, String vm, Source source, String kind, String timestampDesc, String message,
                        String severity, String ref) {}

    /**
     * Which entries, in which order.
     *
     * @param from     earliest (inclusive), or null
     * @param to       latest (inclusive), or null
     * @param sources  which sources (all when empty)
     * @param contains only entries whose message contains this (case-insensitive), or null
     * @param newestFirst order
     * @param limit    at most this many (after ordering)
     */
    public record Query(Instant from, Instant to, Set<Source> sources, String contains, boolean newestFirst, int limit) {
        public Query {
            sources = sources == null ? Set.of() : Set.copyOf(sources);
            if (limit <= 0) throw new IllegalArgumentException("limit must be positive");
            if (from != null && to != null && from.isAfter(to)) throw ChirpException.usage("from is after to");
        }

        boolean accepts(Entry e) {
            if (from != null && e.time().isBefore(from)) return false;
            if (to != null && e.time().isAfter(to)) return false;
            if (!sources.isEmpty() && !sources.contains(e.source())) return false;
            return contains == null || e.message().toLowerCase(Locale.ROOT).contains(contains.toLowerCase(Locale.ROOT));
        }
    }

    public static final TableDef<Entry> TABLE = TableDef.of("timeline",
            "A moment of a VM's timeline: an event, an alert, a file's MACB time or a network flow.",
            Column.of("time", TIMESTAMP, "when (UTC)", e -> e.time().toString()),
            Column.of("vm", STRING, "the VM", Entry::vm),
            Column.of("source", STRING, "event, alert, disk, flow or artifact (evidence collected)", e -> e.source().name()),
            Column.of("kind", STRING, "OCSF class, MACB letter (M, A, C, B) or flow protocol", Entry::kind),
            Column.of("timestamp_desc", STRING, "what the time means (Timesketch's timestamp_desc)", Entry::timestampDesc),
            Column.of("message", STRING, "what happened (guest data)", Entry::message),
            Column.of("severity", STRING, "OCSF severity of events and alerts, null otherwise", Entry::severity),
            Column.of("ref", STRING, "the event's uid, the file's inode, the flow's 5-tuple, the artifact's id", Entry::ref));

    private static final com.fasterxml.jackson.databind.ObjectMapper ALERT_JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    private final List<Entry> entries = new ArrayList<>();
    private final List<String> problems = new ArrayList<>();

    /** Adds events of the event store; detection findings become alerts. */
    public Timeline events(List<StoredEvent> events) {
        for (StoredEvent e : events) {
            boolean alert = e.classUid() == 2004;
            String cls = HostTables.className(e.classUid());
            add(new Entry(Instant.ofEpochMilli(e.time()), e.vm(), alert ? Source.alert : Source.event, cls,
                    alert ? "Alert Raised" : caption(cls) + " (" + e.activity() + ")", HostTables.summary(e.event()),
                    Severity.of(e.severity()).caption(), e.uid()));
        }
        return this;
    }

    /** Adds every MACB time of a disk listing of {@code vm}: one entry per time a file has. */
    public Timeline files(String vm, List<FileRecord> records) {
        for (FileRecord r : records) {
            Optional<FileMeta> m = r.meta();
            if (m.isEmpty()) continue;
            Macb t = m.get().times();
            String path = DiskTables.shown(r.path()) + (r.entry().deleted() ? " (deleted)" : "");
            String ref = "inode " + r.entry().inode();
            t.modified().ifPresent(x -> add(new Entry(x, vm, Source.disk, "M", "Content Modification Time", path, null, ref)));
            t.accessed().ifPresent(x -> add(new Entry(x, vm, Source.disk, "A", "Last Access Time", path, null, ref)));
            t.changed().ifPresent(x -> add(new Entry(x, vm, Source.disk, "C", "Metadata Modification Time", path, null, ref)));
            t.born().ifPresent(x -> add(new Entry(x, vm, Source.disk, "B", "Creation Time", path, null, ref)));
        }
        return this;
    }

    /** Adds the flows of a capture of {@code vm}: one entry at each flow's first packet. */
    public Timeline flows(String vm, List<Flow> flows) {
        for (Flow f : flows) {
            String meta = f.metadata().isEmpty() ? "" : " " + f.metadata().stream().map(o -> o.data().summary()).distinct()
                    .reduce((a, b) -> a + "; " + b).orElse("");
            String msg = f.protocolName() + " " + f.client() + " -> " + f.server() + " (" + f.packets() + " packets, "
                    + f.bytes() + " bytes, until " + f.lastSeen() + ")" + meta;
            add(new Entry(f.firstSeen(), vm, Source.flow, f.protocolName(), "First Seen", msg, null,
                    f.protocolName() + " " + f.client() + " " + f.server()));
        }
        return this;
    }

    /**
     * Adds the MACB times of {@code vm}'s disk, read at a point in time (fleeced, never written). A disk that
     * cannot be read is a problem of the timeline, not its end.
     */
    public Timeline disk(String vm) {
        try (DiskTarget t = DiskTarget.vm(vm, Optional.empty())) {
            Listing l = FileWalker.walk(FileSystems.open(t.source(), OptionalInt.empty()).fs());
            files(vm, l.records());
            for (String p : l.problems()) problem(vm + " disk: " + GuestNames.escape(p));
        } catch (ChirpException e) {
            problem(vm + " disk: " + e.getMessage());
        }
        return this;
    }

    /** Adds the flows of a capture file of {@code vm}; a capture that ends early is a problem. */
    public Timeline capture(String vm, Path file) {
        try {
            FlowReport r = Flows.read(file);
            flows(vm, r.flows());
            r.problem().ifPresent(p -> problem(file.getFileName() + ": the capture ends early (" + p + ")"));
        } catch (ChirpException e) {
            problem(file.getFileName() + ": " + e.getMessage());
        }
        return this;
    }

    /**
     * Adds the artifacts of a case (or of any selection of the evidence store): one entry when each was collected,
     * saying what, by whom (automatic, with its alert) and its hash; a capture among them also adds its flows.
     *
     * @param blob where each artifact's bytes are (the store's content address)
     */
    public Timeline artifacts(List<StoredArtifact> artifacts, java.util.function.Function<StoredArtifact, Path> blob) {
        for (StoredArtifact a : artifacts) {
            String vm = a.vm() == null ? "" : a.vm();
            String by = a.automatic() ? "automatically (alert " + a.alertId() + ")" : "by " + a.actor();
            add(new Entry(a.collected(), vm, Source.artifact, a.kind(), "Evidence Collected",
                    a.kind() + " " + GuestNames.escape(a.name()) + " (" + a.size() + " bytes" + (a.complete() ? "" : ", partial")
                            + ") collected " + by + ", sha256 " + a.sha256(), null, a.id()));
            if ("network-capture".equals(a.kind())) capture(vm, blob.apply(a));
        }
        return this;
    }

    /**
     * {@return the VMs of case {@code caseId}: its VM members, and the VMs of its alerts and artifacts} — the set a
     * case timeline merges.
     */
    public static Set<String> caseVms(io.chirp.evidence.store.EvidenceStore store, String caseId) {
        store.cases().require(caseId);
        Set<String> vms = new java.util.LinkedHashSet<>();
        for (Cases.Member m : store.cases().members(caseId)) {
            if (m.kind() == Cases.MemberKind.vm) vms.add(m.ref());
            if (m.kind() == Cases.MemberKind.alert && m.json() != null) {
                // an alert member carries the alert's JSON: its VM is a VM of the case even if not added as one
try {
                    String vm = ALERT_JSON.readTree(m.json()).path("vm").asText("");
                    if (!vm.isEmpty()) vms.add(vm);
                } catch (java.io.IOException e) {
                    // a member written by this server is JSON; anything else names no VM
                }
            }
        }
        for (StoredArtifact a : store.listCase(caseId)) if (a.vm() != null && !a.vm().isEmpty()) vms.add(a.vm());
        return vms;
    }

    /** Notes why the timeline is not the whole truth (a source that could not be read). */
    public Timeline problem(String p) {
        problems.add(p);
        return this;
    }

    private void add(Entry e) {
        if (entries.size() >= MAX_ENTRIES) {
            if (problems.stream().noneMatch(p -> p.startsWith("more than"))) problems.add("more than " + MAX_ENTRIES + " entries: the rest were dropped");
            return;
        }
        entries.add(e);
    }

    /** {@return the entries the query selects, ordered by time (ties by source, then message)} */
    public Rows rows(Query q) {
        // ties keep the order they were added in (a file's M, A, C, B), after source and message
        Comparator<Entry> byTime = Comparator.comparing(Entry::time).thenComparing(Entry::source).thenComparing(Entry::message);
        List<Entry> shown = entries.stream().filter(q::accepts).sorted(q.newestFirst() ? byTime.reversed() : byTime)
                .limit(q.limit()).toList();
        return TABLE.rows(shown, false, problems);
    }

    /**
     * {@return the rows as Timesketch JSONL objects: message, datetime (ISO-8601) and timestamp_desc, which
     * Timesketch requires, then timestamp (microseconds since the epoch) and the other columns as attributes}
     */
    public static List<Map<String, Object>> timesketch(Rows rows) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Map<String, Object> r : rows.objects()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("message", r.get("message"));
            Instant t = Instant.parse((String) r.get("time"));
            m.put("datetime", r.get("time"));
            m.put("timestamp_desc", r.get("timestamp_desc"));
            m.put("timestamp", t.getEpochSecond() * 1_000_000L + t.getNano() / 1000);
            for (Map.Entry<String, Object> e : r.entrySet()) {
                if (!m.containsKey(e.getKey()) && !e.getKey().equals("time") && e.getValue() != null) m.put(e.getKey(), e.getValue());
            }
            out.add(m);
        }
        return out;
    }

    private static String caption(String schemaName) {
        for (io.chirp.events.EventClass c : io.chirp.events.EventClass.values()) if (c.schemaName().equals(schemaName)) return c.caption();
        return schemaName;
    }
}
