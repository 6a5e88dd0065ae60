package io.chirp.events.custody;

import io.chirp.events.store.StoreDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Tampering with the custody log — changing, relinking or deleting rows — is detected. */
class CustodyLogTest {
    static final String H1 = "a".repeat(64), H2 = "b".repeat(64);

    private static CustodyLog threeRecords(Path db) {
        CustodyLog log = CustodyLog.open(db);
        log.append("acquire", Path.of("/evidence/web-1.mem"), H1, "live acquisition, ELF core");
        log.append("hash", Path.of("/evidence/web-1.mem"), H1, null);
        log.append("copy", Path.of("/evidence/web-1.mem"), H1, "to /mnt/case42");
        return log;
    }

    /** Runs SQL the way someone editing the file directly would: without CHIRP's append-only triggers. */
    private static void tamper(Path db, String... sql) throws SQLException {
        try (Connection c = StoreDatabase.connect(db, false); Statement s = c.createStatement()) {
            s.execute("DROP TRIGGER custody_no_update");
            s.execute("DROP TRIGGER custody_no_delete");
            for (String q : sql) s.execute(q); // auto-commit: each statement is its own transaction
        }
    }

    @Test void appendsAChainThatVerifies(@TempDir Path tmp) {
        try (CustodyLog log = threeRecords(tmp.resolve("events.db"))) {
            var records = log.records();
            assertThat(records).extracting(CustodyRecord::seq).containsExactly(1L, 2L, 3L);
            assertThat(records.get(0).prevHash()).isEqualTo(CustodyRecord.GENESIS);
            assertThat(records.get(1).prevHash()).isEqualTo(records.get(0).hash());
            assertThat(records).allMatch(r -> r.actor().equals(System.getProperty("user.name")));
            assertThat(records.get(0).artifact()).isEqualTo("/evidence/web-1.mem");
            assertThat(records.get(0).time()).isBeforeOrEqualTo(Instant.now());
            CustodyVerification v = log.verify();
            assertThat(v).isEqualTo(new CustodyVerification.Intact(3, records.get(2).hash()));
            assertThat(log.verify(records.get(2).hash()).intact()).isTrue();
            assertThat(log.verify(records.get(1).hash()).intact()).isTrue(); // the log grew since: fine
            assertThat(log.recordsFor("/evidence/web-1.mem")).hasSize(3);
            assertThat(log.recordsFor("/evidence/other")).isEmpty();
        }
    }

    @Test void sqliteRefusesUpdatesAndDeletes(@TempDir Path tmp) throws Exception {
        Path db = tmp.resolve("events.db");
        threeRecords(db).close();
        try (Connection c = StoreDatabase.connect(db, false); Statement s = c.createStatement()) {
            assertThatThrownBy(() -> s.execute("UPDATE custody SET actor = 'mallory'")).hasMessageContaining("append-only");
            assertThatThrownBy(() -> s.execute("DELETE FROM custody WHERE seq = 2")).hasMessageContaining("append-only");
        }
        try (CustodyLog log = CustodyLog.open(db)) {
            assertThat(log.verify().intact()).isTrue();
        }
    }

    @Test void alteredRowIsDetected(@TempDir Path tmp) throws Exception {
        Path db = tmp.resolve("events.db");
        threeRecords(db).close();
        tamper(db, "UPDATE custody SET sha256 = '" + H2 + "' WHERE seq = 2");
        try (CustodyLog log = CustodyLog.open(db)) {
            assertThat(log.verify()).isEqualTo(new CustodyVerification.Broken(2, "record 2 was altered (hash mismatch)"));
        }
    }

    @Test void alteredRowWithRecomputedHashBreaksTheNextLink(@TempDir Path tmp) throws Exception {
        Path db = tmp.resolve("events.db");
        CustodyRecord r2;
        try (CustodyLog log = threeRecords(db)) {
            r2 = log.records().get(1);
        }
        String forged = CustodyRecord.hashOf(2, "mallory", r2.action(), r2.artifact(), r2.sha256(), r2.time(),
                r2.detail(), r2.prevHash());
        tamper(db, "UPDATE custody SET actor = 'mallory', hash = '" + forged + "' WHERE seq = 2");
        try (CustodyLog log = CustodyLog.open(db)) {
            CustodyVerification v = log.verify();
            assertThat(v.intact()).isFalse();
            assertThat(((CustodyVerification.Broken) v).seq()).isEqualTo(3);
        }
    }

    @Test void deletedMiddleRowIsDetected(@TempDir Path tmp) throws Exception {
        Path db = tmp.resolve("events.db");
        threeRecords(db).close();
        tamper(db, "DELETE FROM custody WHERE seq = 2");
        try (CustodyLog log = CustodyLog.open(db)) {
            assertThat(log.verify()).isEqualTo(new CustodyVerification.Broken(2, "record 2 is missing"));
        }
    }

    @Test void deletedMiddleRowWithRenumberingIsDetected(@TempDir Path tmp) throws Exception {
        Path db = tmp.resolve("events.db");
        threeRecords(db).close();
        tamper(db, "DELETE FROM custody WHERE seq = 2", "UPDATE custody SET seq = 2 WHERE seq = 3");
        try (CustodyLog log = CustodyLog.open(db)) {
            assertThat(log.verify().intact()).isFalse();
        }
    }

    @Test void deletedNewestRowNeedsTheHeadKeptOutside(@TempDir Path tmp) throws Exception {
        Path db = tmp.resolve("events.db");
        String head;
        try (CustodyLog log = threeRecords(db)) {
            head = ((CustodyVerification.Intact) log.verify()).headHash();
        }
        tamper(db, "DELETE FROM custody WHERE seq = 3");
        try (CustodyLog log = CustodyLog.open(db)) {
            assertThat(log.verify().intact()).isTrue(); // a shorter chain is self-consistent ...
            CustodyVerification v = log.verify(head);    // ... but the head kept in the case file is gone
            assertThat(v.intact()).isFalse();
            assertThat(((CustodyVerification.Broken) v).reason()).contains("truncated");
            // appending after truncation cannot bring the old head back
            log.append("hash", Path.of("/evidence/web-1.mem"), H1, null);
            assertThat(log.verify(head).intact()).isFalse();
        }
    }

    @Test void rejectsMalformedHashes(@TempDir Path tmp) {
        try (CustodyLog log = CustodyLog.open(tmp.resolve("events.db"))) {
            assertThatThrownBy(() -> log.append("hash", Path.of("/x"), "ABC", null))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThat(log.verify()).isEqualTo(new CustodyVerification.Intact(0, CustodyRecord.GENESIS));
        }
    }
}
