package io.chirp.events.store;

import io.chirp.core.ChirpException;
import io.chirp.events.OcsfEvent;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The events table of the store. A writable store is meant for one writer thread (the monitor's sink); any number
 * of read-only stores may query the same file at the same time. Methods are synchronized, so sharing one
 * instance between threads is safe, merely serial.
 *
 * <p>The store is the embedded SQLite file by default, or a PostgreSQL database for a fleet's central store
 * ({@link #open(String)} with a {@code postgresql://} location): the same table, the same queries, the same
 * de-duplication; only the DDL and the insert-if-absent are said in each dialect.
 */
public final class EventStore implements AutoCloseable {
    private static final int SCHEMA_VERSION = 1;
    private static final String INSERT = "INSERT INTO events(time, class_uid, activity, vm, severity, uid, json) VALUES (?,?,?,?,?,?,?)";

    /** The SQL dialects the store speaks. */
    public enum Dialect { SQLITE, POSTGRESQL }

    /**
     * The tables and indexes, said once for both dialects: only the key column's type, the integer type of event
     * ids and SQLite's rowid-less table differ.
     */
    private static String[] ddl(Dialect d) {
        boolean pg = d == Dialect.POSTGRESQL;
        String big = pg ? "BIGINT " : "INTEGER";
        return new String[] {
            """
            CREATE TABLE IF NOT EXISTS events (
                id        %s PRIMARY KEY,
                time      %s NOT NULL,
                class_uid INTEGER NOT NULL,
                activity  TEXT    NOT NULL,
                vm        TEXT,
                severity  INTEGER NOT NULL,
                uid       TEXT,
                json      TEXT    NOT NULL)""".formatted(pg ? "BIGSERIAL" : "INTEGER", big),
            "CREATE INDEX IF NOT EXISTS events_time ON events(time)",
            "CREATE INDEX IF NOT EXISTS events_vm ON events(vm, time)",
            "CREATE INDEX IF NOT EXISTS events_class ON events(class_uid, time)",
            // Event ids taken in through insertNew (events from a fleet's sensors, which may arrive more than once).
            "CREATE TABLE IF NOT EXISTS event_ids (uid TEXT PRIMARY KEY, event " + big.strip() + " NOT NULL)"
                    + (pg ? "" : " WITHOUT ROWID"),
        };
    }

    private final Path file;
    private final String where;
    private final Dialect dialect;
    private final Connection db;
    private final boolean readOnly;

    private EventStore(Path file, Connection db, boolean readOnly) {
        this(file, file.toString(), Dialect.SQLITE, db, readOnly);
    }

    private EventStore(Path file, String where, Dialect dialect, Connection db, boolean readOnly) {
        this.file = file;
        this.where = where;
        this.dialect = dialect;
        this.db = db;
        this.readOnly = readOnly;
    }

    /**
     * {@return the store at {@code location}, created if absent, for writing and reading}: a PostgreSQL database
     * for {@code postgresql://host:port/db?user=...} (or the same with {@code jdbc:} before it), else the SQLite file
     * at that path. The password, if the server asks for one, comes from {@code PGPASSWORD}, never the command line.
     */
    public static EventStore open(String location) {
        if (!StoreDatabase.isPostgresql(location)) return open(Path.of(location));
        Connection c = StoreDatabase.connectPostgresql(location);
        String shown = StoreDatabase.redact(location);
        try (Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            for (String ddl : ddl(Dialect.POSTGRESQL)) s.execute(ddl);
            c.commit();
            return new EventStore(null, shown, Dialect.POSTGRESQL, c, false);
        } catch (SQLException e) {
            closeQuietly(c);
            throw ChirpException.io("cannot create the event table in " + shown + ": " + e.getMessage(), e);
        }
    }

    /** {@return the dialect of the database behind this store} */
    public Dialect dialect() { return dialect; }

    /** {@return where the store is, for messages (a PostgreSQL location without its password)} */
    public String location() { return where; }

    /** {@return the store at {@code file}, created if absent, for writing and reading} */
    public static EventStore open(Path file) {
        Connection c = StoreDatabase.connect(file, false);
        try (Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            for (String ddl : ddl(Dialect.SQLITE)) s.execute(ddl);
            s.execute("PRAGMA user_version = " + SCHEMA_VERSION);
            c.commit();
            return new EventStore(file, c, false);
        } catch (SQLException e) {
            closeQuietly(c);
            throw ChirpException.io("cannot create the event table in " + file + ": " + e.getMessage(), e);
        }
    }

    /** {@return the existing store at {@code file}, for queries only} */
    public static EventStore openReadOnly(Path file) {
        return new EventStore(file, StoreDatabase.connect(file, true), true);
    }

    /** {@return the store's file; null for a PostgreSQL store} */
    public Path file() { return file; }

    /** Inserts a batch of events in one transaction: all of them are stored, or none. */
    public synchronized void insert(List<OcsfEvent> batch) {
        if (readOnly) throw new IllegalStateException("event store opened read-only");
        if (batch.isEmpty()) return;
        try (PreparedStatement ps = db.prepareStatement(
                "INSERT INTO events(time, class_uid, activity, vm, severity, uid, json) VALUES (?,?,?,?,?,?,?)")) {
            for (OcsfEvent e : batch) {
                ps.setLong(1, e.time());
                ps.setInt(2, e.classUid());
                ps.setString(3, e.activityName());
                ps.setString(4, e.vmName());
                ps.setInt(5, e.severityId());
                ps.setString(6, e.uid());
                ps.setString(7, e.toJsonLine());
                ps.addBatch();
            }
            ps.executeBatch();
            db.commit();
        } catch (SQLException ex) {
            rollbackQuietly();
            throw ChirpException.io("cannot store " + batch.size() + " events in " + where + ": " + ex.getMessage(), ex);
        }
    }

    /**
     * Inserts those events of a batch whose id ({@code metadata.uid}) the store has not taken in before, in one
     * transaction: an event delivered twice (a sensor resending after a crash, a consumer re-reading after one) is
     * stored once. The first copy wins; events without an id are refused, since they could not be de-duplicated.
     *
     * @return the events that were new, in batch order
     */
    public synchronized List<OcsfEvent> insertNew(List<OcsfEvent> batch) {
        if (readOnly) throw new IllegalStateException("event store opened read-only");
        List<OcsfEvent> fresh = new ArrayList<>();
        if (batch.isEmpty()) return fresh;
        String insertId = dialect == Dialect.POSTGRESQL ? "INSERT INTO event_ids(uid, event) VALUES (?, -1) ON CONFLICT (uid) DO NOTHING"
                : "INSERT OR IGNORE INTO event_ids(uid, event) VALUES (?, -1)";
        try (PreparedStatement id = db.prepareStatement(insertId);
             PreparedStatement ev = dialect == Dialect.POSTGRESQL ? db.prepareStatement(INSERT, new String[] {"id"})
                     : db.prepareStatement(INSERT, Statement.RETURN_GENERATED_KEYS);
             PreparedStatement link = db.prepareStatement("UPDATE event_ids SET event = ? WHERE uid = ?")) {
            for (OcsfEvent e : batch) {
                if (e.uid() == null) throw new IllegalArgumentException("an event without metadata.uid cannot be de-duplicated");
                id.setString(1, e.uid());
                if (id.executeUpdate() == 0) continue; // taken in before
                ev.setLong(1, e.time());
                ev.setInt(2, e.classUid());
                ev.setString(3, e.activityName());
                ev.setString(4, e.vmName());
                ev.setInt(5, e.severityId());
                ev.setString(6, e.uid());
                ev.setString(7, e.toJsonLine());
                ev.executeUpdate();
                try (ResultSet k = ev.getGeneratedKeys()) {
                    if (k.next()) {
                        link.setLong(1, k.getLong(1));
                        link.setString(2, e.uid());
                        link.executeUpdate();
                    }
                }
                fresh.add(e);
            }
            db.commit();
            return fresh;
        } catch (SQLException ex) {
            rollbackQuietly();
            throw ChirpException.io("cannot store " + batch.size() + " events in " + where + ": " + ex.getMessage(), ex);
        }
    }

    /** {@return the latest {@code q.limit()} matching events, oldest first} */
    public synchronized List<StoredEvent> query(EventQuery q) {
        StringBuilder sql = new StringBuilder(
                "SELECT id, time, class_uid, activity, vm, severity, uid, json FROM events WHERE 1=1");
        List<Object> args = new ArrayList<>();
        if (q.vm() != null) { sql.append(" AND vm = ?"); args.add(q.vm()); }
        if (q.since() != null) { sql.append(" AND time >= ?"); args.add(q.since().toEpochMilli()); }
        if (q.classUid() != null) { sql.append(" AND class_uid = ?"); args.add(q.classUid()); }
        if (q.before() != null) { // a range on the time indexes, then the tie within one millisecond by id
            sql.append(" AND time <= ? AND (time < ? OR id < ?)");
            args.addAll(List.of(q.before().time(), q.before().time(), q.before().id()));
        }
        sql.append(" ORDER BY time DESC, id DESC LIMIT ?");
        args.add(q.limit());
        try (PreparedStatement ps = db.prepareStatement(sql.toString())) {
            for (int i = 0; i < args.size(); i++) ps.setObject(i + 1, args.get(i));
            List<StoredEvent> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new StoredEvent(rs.getLong(1), rs.getLong(2), rs.getInt(3), rs.getString(4),
                            rs.getString(5), rs.getInt(6), rs.getString(7), rs.getString(8)));
                }
            }
            if (!readOnly) db.commit(); // end the read transaction so the WAL can be checkpointed
            Collections.reverse(out);
            return out;
        } catch (SQLException e) {
            throw ChirpException.io("cannot query event store " + where + ": " + e.getMessage(), e);
        }
    }

    /** {@return the number of stored events} */
    public synchronized long count() {
        try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM events")) {
            rs.next();
            long n = rs.getLong(1);
            if (!readOnly) db.commit();
            return n;
        } catch (SQLException e) {
            throw ChirpException.io("cannot count events in " + where + ": " + e.getMessage(), e);
        }
    }

    @Override public synchronized void close() {
        try {
            db.close();
        } catch (SQLException e) {
            throw ChirpException.io("cannot close event store " + where + ": " + e.getMessage(), e);
        }
    }

    private void rollbackQuietly() {
        try {
            db.rollback();
        } catch (SQLException ignored) {
            // the insert already failed; its error is the one worth reporting
        }
    }

    private static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (SQLException ignored) {
            // reporting the original failure
        }
    }
}
