package io.chirp.fleet;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class SpoolTest {
    static FleetRecord rec(String vm, long seq) {
        return new FleetRecord(FleetRecord.Kind.EVENT, "id-" + vm + "-" + seq, "hv1", vm, 1, seq, 0,
                JsonNodeFactory.instance.objectNode().put("n", seq).put("pad", "x".repeat(100)));
    }

    static List<Long> seqs(List<Spool.Entry> es) { return es.stream().map(e -> e.record().seq()).toList(); }

    @Test void recordsLeaveOnlyWhenAcknowledgedAndSurviveAReopen(@TempDir Path dir) throws Exception {
        try (Spool s = Spool.open(dir, 10_000_000)) {
            assertThat(s.epoch()).isEqualTo(1);
            for (int i = 1; i <= 5_000; i++) assertThat(s.append(rec("a", i))).isTrue(); // spans 3 segments
            List<Spool.Entry> w = s.peek(1_500, 0);
            assertThat(seqs(w)).first().isEqualTo(1L);
            assertThat(w).hasSize(1_500);
            assertThat(seqs(s.peek(10, 0))).first().isEqualTo(1L); // peeking is not taking
            s.ack(w);
            assertThat(s.pendingRecords()).isEqualTo(3_500);
            List<Spool.Entry> w2 = s.peek(1_000, 0);
            assertThat(seqs(w2)).first().isEqualTo(1_501L);
            s.ack(w2); // crosses a segment boundary: the first segment is gone
            assertThat(Files.exists(dir.resolve("seg-000000000001.log"))).isFalse();
        }
        // "killed" with 2500 unacknowledged: all of them come back, in order, and new records go after them
        try (Spool s = Spool.open(dir, 10_000_000)) {
            assertThat(s.epoch()).isEqualTo(2);
            assertThat(s.pendingRecords()).isEqualTo(2_500);
            s.append(rec("a", 9_999));
            List<Long> all = new ArrayList<>();
            List<Spool.Entry> w;
            while (!(w = s.peek(700, 0)).isEmpty()) {
                all.addAll(seqs(w));
                s.ack(w);
            }
            List<Long> want = new ArrayList<>();
            for (long i = 2_501; i <= 5_000; i++) want.add(i);
            want.add(9_999L);
            assertThat(all).isEqualTo(want);
            assertThat(s.pendingRecords()).isZero();
            assertThat(s.pendingBytes()).isZero();
        }
    }

    @Test void aTornLastLineIsCutAndTheRestKept(@TempDir Path dir) throws Exception {
        try (Spool s = Spool.open(dir, 1_000_000)) {
            for (int i = 1; i <= 3; i++) s.append(rec("a", i));
        }
        Files.writeString(dir.resolve("seg-000000000001.log"), "{\"kind\":\"event\",\"id\":\"half", StandardOpenOption.APPEND);
        try (Spool s = Spool.open(dir, 1_000_000)) {
            assertThat(seqs(s.peek(10, 0))).containsExactly(1L, 2L, 3L);
        }
    }

    @Test void aFullSpoolKeepsWhatFitsAndSaysExactlyWhatItDropped(@TempDir Path dir) throws Exception {
        long room = 0;
        for (int i = 1; i <= 10; i++) room += (rec(i % 2 == 0 ? "b" : "a", i).encode() + "\n").length();
        try (Spool s = Spool.open(dir, room)) {
            int kept = 0;
            for (int i = 1; i <= 15; i++) if (s.append(rec(i % 2 == 0 ? "b" : "a", i))) kept++;
            assertThat(kept).isEqualTo(10);
            assertThat(s.dropped()).containsExactlyInAnyOrder(
                    new Spool.Dropped("a", FleetRecord.Kind.EVENT, 3, 11, 15),
                    new Spool.Dropped("b", FleetRecord.Kind.EVENT, 2, 12, 14));
            s.ack(s.peek(4, 0)); // room again: new records are kept
            assertThat(s.append(rec("a", 16))).isTrue();
            assertThat(seqs(s.peek(100, 0))).containsExactly(5L, 6L, 7L, 8L, 9L, 10L, 16L);
        }
    }

    @Test void theSpoolIsOwnerOnly(@TempDir Path dir) throws Exception {
        Path sp = dir.resolve("spool");
        try (Spool s = Spool.open(sp, 100_000)) {
            s.append(rec("a", 1));
        }
        assertThat(Files.getPosixFilePermissions(sp)).extracting(Enum::name).containsExactlyInAnyOrder("OWNER_READ", "OWNER_WRITE", "OWNER_EXECUTE");
        assertThat(Files.getPosixFilePermissions(sp.resolve("seg-000000000001.log"))).extracting(Enum::name)
                .containsExactlyInAnyOrder("OWNER_READ", "OWNER_WRITE");
    }
}
