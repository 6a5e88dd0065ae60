package io.chirp.events.custody;

import io.chirp.core.ChirpException;
import io.chirp.events.store.StoreDatabase;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The append-only, hash-chained custody log in the store's SQLite file. Appends take SQLite's write lock for
 * the read-last-then-insert step, so two CHIRP processes appending at once still build one chain.
 */
public final class CustodyLog implements AutoCloseable {
    private static final String[] DDL = {
        """
        CREATE TABLE IF NOT EXISTS custody (
            seq       INTEGER PRIMARY KEY,
            actor     TEXT NOT NULL,
            action    TEXT NOT NULL,
            artifact  TEXT NOT NULL,
            sha256    TEXT,
            time      TEXT NOT NULL,
            detail    TEXT,
            prev_hash TEXT NOT NULL,
            hash      TEXT NOT NULL)""",
        """
        CREATE TRIGGER IF NOT EXISTS custody_no_update BEFORE UPDATE ON custody
        BEGIN SELECT RAISE(ABORT, 'custody log is append-only'); END""",
        """
        CREATE TRIGGER IF NOT EXISTS custody_no_delete BEFORE DELETE ON custody
        BEGIN SELECT RAISE(ABORT, 'custody log is append-only'); END""",
    };

    private final Path file;
    private final Connection db;
    private final Clock clock;

    private CustodyLog(Path file, Connection db, Clock clock) {
        this.file = file;
        this.db = db;
        this.clock = clock;
    }

    /** {@return the custody log in the store file {@code file}, created if absent} */
    public static CustodyLog open(Path file) { return open(file, Clock.systemUTC()); }

    public static CustodyLog open(Path file, Clock clock) {
        Connection c = StoreDatabase.connect(file, false);
        try (Statement s = c.createStatement()) {
            // the store runs WAL with synchronous=NORMAL (a crash may lose the last events); a custody record must
            // reach the disk with its commit, like the evidence file it describes
            s.execute("PRAGMA synchronous = FULL");
            c.setAutoCommit(false);
            for (String ddl : DDL) s.execute(ddl);
            c.commit();
            return new CustodyLog(file, c, clock);
        } catch (SQLException e) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // reporting the original failure
            }
            throw ChirpException.io("cannot create the custody log in " + file + ": " + e.getMessage(), e);
        }
    }

    /** {@return the OS user running CHIRP: the "who" of every record} */
    public static String currentUser() { return System.getProperty("user.name", "unknown"); }

    /** Records an action by the current OS user; {@code sha256} may be null when the action did not hash. */
    public CustodyRecord append(String action, Path artifact, String sha256, String detail) {
        return append(currentUser(), action, artifact.toAbsolutePath().normalize().toString(), sha256, detail);
    }

    /** Records an action by {@code actor}. */
    public CustodyRecord append(String actor, String action, String artifact, String sha256, String detail) {
        return appendAll(List.of(new Entry(actor, action, artifact, sha256, detail))).getFirst();
    }

    /**
     * One record to append.
     *
     * @param sha256 null when the action did not hash
     */
    public record Entry(String actor, String action, String artifact, String sha256, String detail) {
        public Entry {
            Objects.requireNonNull(actor, "actor");
            Objects.requireNonNull(action, "action");
            Objects.requireNonNull(artifact, "artifact");
            if (sha256 != null && !sha256.matches("[0-9a-f]{64}")) {
                throw new IllegalArgumentException("sha256 must be 64 lower-case hex digits");
            }
        }
    }

    /**
     * Records several actions in chain order in one transaction: one commit (one fsync) for all of them, which is
     * what lets a busy server audit every call without waiting a disk flush per call. Either all are durable when
     * this returns, or none is appended and it throws.
     */
    public synchronized List<CustodyRecord> appendAll(List<Entry> entries) {
        if (entries.isEmpty()) return List.of();
        try {
            long seq = 1;
            String prev = CustodyRecord.GENESIS;
            try (Statement s = db.createStatement();
                 ResultSet rs = s.executeQuery("SELECT seq, hash FROM custody ORDER BY seq DESC LIMIT 1")) {
                if (rs.next()) {
                    seq = rs.getLong(1) + 1;
                    prev = rs.getString(2);
                }
            }
            List<CustodyRecord> out = new ArrayList<>(entries.size());
            try (PreparedStatement ps = db.prepareStatement("INSERT INTO custody(seq, actor, action, artifact, "
                    + "sha256, time, detail, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?)")) {
                for (Entry e : entries) {
                    Instant now = clock.instant();
                    String hash = CustodyRecord.hashOf(seq, e.actor(), e.action(), e.artifact(), e.sha256(), now, e.detail(), prev);
                    ps.setLong(1, seq);
                    ps.setString(2, e.actor());
                    ps.setString(3, e.action());
                    ps.setString(4, e.artifact());
                    ps.setString(5, e.sha256());
                    ps.setString(6, now.toString());
                    ps.setString(7, e.detail());
                    ps.setString(8, prev);
                    ps.setString(9, hash);
                    ps.executeUpdate();
                    out.add(new CustodyRecord(seq, e.actor(), e.action(), e.artifact(), e.sha256(), now, e.detail(), prev, hash));
                    prev = hash;
                    seq++;
                }
            }
            db.commit();
            return out;
        } catch (SQLException e) {
            try {
                db.rollback();
            } catch (SQLException ignored) {
                // the append failed; that error is the one to report
            }
            throw ChirpException.io("cannot append to the custody log in " + file + ": " + e.getMessage(), e);
        }
    }

    /** {@return every record, in chain order} */
    public synchronized List<CustodyRecord> records() { return select(null); }

    /** {@return the records about one artifact, in chain order} */
    public synchronized List<CustodyRecord> recordsFor(String artifact) { return select(artifact); }

    /** {@return whether every record's hash and link to its predecessor are intact} */
    public synchronized CustodyVerification verify() {
        List<CustodyRecord> all = select(null);
        String prev = CustodyRecord.GENESIS;
        long expectedSeq = 1;
        for (CustodyRecord r : all) {
            if (r.seq() != expectedSeq) {
                return new CustodyVerification.Broken(expectedSeq, "record " + expectedSeq + " is missing");
            }
            if (!r.prevHash().equals(prev)) {
                return new CustodyVerification.Broken(r.seq(), "record " + r.seq() + " does not link to its predecessor");
            }
            if (!r.hashMatches()) {
                return new CustodyVerification.Broken(r.seq(), "record " + r.seq() + " was altered (hash mismatch)");
            }
            prev = r.hash();
            expectedSeq++;
        }
        return new CustodyVerification.Intact(all.size(), prev);
    }

    /**
     * {@return the chain check, also requiring that the record whose hash was kept outside the store is still in
     * the chain} This is what detects removal of the newest records.
     */
    public synchronized CustodyVerification verify(String expectedHeadHash) {
        CustodyVerification v = verify();
        if (v instanceof CustodyVerification.Intact(long n, String head) && !head.equals(expectedHeadHash)
                && !expectedHeadHash.equals(CustodyRecord.GENESIS)
                && select(null).stream().noneMatch(r -> r.hash().equals(expectedHeadHash))) {
            // A head that is still in the chain only means the log grew since; one that is gone means truncation.
            return new CustodyVerification.Broken(n + 1, "the expected head record is missing: the log was "
                    + "truncated or replaced");
        }
        return v;
    }

    private List<CustodyRecord> select(String artifact) {
        String sql = "SELECT seq, actor, action, artifact, sha256, time, detail, prev_hash, hash FROM custody"
                + (artifact != null ? " WHERE artifact = ?" : "") + " ORDER BY seq";
        try (PreparedStatement ps = db.prepareStatement(sql)) {
            if (artifact != null) ps.setString(1, artifact);
            List<CustodyRecord> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new CustodyRecord(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4),
                            rs.getString(5), Instant.parse(rs.getString(6)), rs.getString(7), rs.getString(8),
                            rs.getString(9)));
                }
            }
            db.commit();
            return out;
        } catch (SQLException | java.time.format.DateTimeParseException e) {
            throw ChirpException.io("cannot read the custody log in " + file + ": " + e.getMessage(), e);
        }
    }

    @Override public synchronized void close() {
        try {
            db.close();
        } catch (SQLException e) {
            throw ChirpException.io("cannot close the custody log " + file + ": " + e.getMessage(), e);
        }
    }

}
