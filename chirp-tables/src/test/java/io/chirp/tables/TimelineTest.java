package io.chirp.tables;

import io.chirp.disk.fs.DirEntry;
import io.chirp.disk.fs.FileMeta;
import io.chirp.disk.fs.FileRecord;
import io.chirp.disk.fs.FileType;
import io.chirp.disk.fs.Macb;
import io.chirp.events.store.StoredEvent;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The timeline merges its sources in time order, filters by range, source and text, and exports Timesketch's fields. */
class TimelineTest {
    static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");

    static Timeline sample() {
        StoredEvent proc = new StoredEvent(1, T0.plusSeconds(20).toEpochMilli(), 1007, "Launch", "web1", 1, "u-1",
                "{\"class_uid\":1007,\"activity_id\":1,\"type_uid\":100701,\"time\":1,\"severity_id\":1,\"process\":{\"name\":\"sh\",\"pid\":42,\"cmd_line\":\"sh -c id\"}}");
        StoredEvent alert = new StoredEvent(2, T0.plusSeconds(21).toEpochMilli(), 2004, "Create", "web1", 4, "u-2",
                "{\"class_uid\":2004,\"activity_id\":1,\"type_uid\":200401,\"time\":1,\"severity_id\":4,\"finding_info\":{\"title\":\"Shell From a Web Server\"}}");
        Macb times = new Macb(Optional.of(T0.plusSeconds(10)), Optional.of(T0.plusSeconds(30)), Optional.of(T0.plusSeconds(10)),
                Optional.empty());
        FileMeta meta = new FileMeta(12, FileType.REGULAR, 0644, 0, 0, 5, 1, times, true, Optional.empty(), List.of());
        FileRecord file = new FileRecord("/tmp/drop", new DirEntry("drop", 12, FileType.REGULAR, false), Optional.of(meta),
                Optional.empty());
        FileRecord unreadable = new FileRecord("/tmp/x", new DirEntry("x", 13, FileType.REGULAR, false), Optional.empty(),
                Optional.of("bad inode"));
        return new Timeline().events(List.of(alert, proc)).files("web1", List.of(file, unreadable));
    }

    @Test
    void sourcesMergeInTimeOrder() {
        Rows r = sample().rows(new Timeline.Query(null, null, Set.of(), null, false, 100));
        assertThat(r.objects()).extracting(m -> m.get("source") + ":" + m.get("kind")).containsExactly(
                "disk:M", "disk:C", "event:process_activity", "alert:detection_finding", "disk:A");
        assertThat(r.objects().get(2).get("message")).isEqualTo("sh[42] sh -c id");
        assertThat(r.objects().get(3).get("timestamp_desc")).isEqualTo("Alert Raised");
        assertThat(r.complete()).isTrue();
        Rows newest = sample().rows(new Timeline.Query(null, null, Set.of(), null, true, 2));
        assertThat(newest.objects()).extracting(m -> m.get("kind")).containsExactly("A", "detection_finding");
    }

    @Test
    void rangeSourcesAndTextFilter() {
        Rows r = sample().rows(new Timeline.Query(T0.plusSeconds(15), T0.plusSeconds(25), Set.of(), null, false, 100));
        assertThat(r.objects()).extracting(m -> m.get("source")).containsExactly("event", "alert");
        Rows disk = sample().rows(new Timeline.Query(null, null, Set.of(Timeline.Source.disk), "DROP", false, 100));
        assertThat(disk.objects()).hasSize(3).allSatisfy(m -> assertThat(m.get("message")).isEqualTo("/tmp/drop"));
        assertThatThrownBy(() -> new Timeline.Query(T0.plusSeconds(1), T0, Set.of(), null, false, 1))
                .hasMessageContaining("from is after to");
    }

    @Test
    void timesketchJsonlHasTheRequiredFields() {
        Rows r = sample().rows(new Timeline.Query(null, null, Set.of(Timeline.Source.alert), null, false, 100));
        Map<String, Object> m = Timeline.timesketch(r).getFirst();
        assertThat(m.keySet()).startsWith("message", "datetime", "timestamp_desc", "timestamp");
        assertThat(m).containsEntry("message", "Shell From a Web Server").containsEntry("datetime", "2026-12-01T10:00:21Z")
                .containsEntry("timestamp", T0.plusSeconds(21).getEpochSecond() * 1_000_000L).containsEntry("vm", "web1");
        assertThat(TextCells.csv(r).lines().toList()).containsExactly("time,vm,source,kind,timestamp_desc,message,severity,ref",
                "2026-12-01T10:00:21Z,web1,alert,detection_finding,Alert Raised,Shell From a Web Server,High,u-2");
    }
}
