package io.chirp.events.store;

import io.chirp.core.ChirpException;
import org.sqlite.SQLiteConfig;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;

/**
 * Where the store lives and how to connect to it. Every connection gets WAL journaling (readers never block the
 * writer), a busy timeout, and write transactions that take the write lock when they begin, so two writers
 * queue instead of failing halfway.
 */
public final class StoreDatabase {
    /** How long a connection waits for a lock held by another connection before giving up. */
    private static final int BUSY_TIMEOUT_MS = 10_000;

    private StoreDatabase() {}

    /** {@return $CHIRP_HOME/events.db, or ~/.cache/chirp/events.db} */
    public static Path defaultPath() {
        return io.chirp.core.ChirpHome.resolve("events.db");
    }

    /**
     * {@return a connection to the store file}
     *
     * @param readOnly a reader's connection: the file must exist and is never written
     */
    public static Connection connect(Path file, boolean readOnly) {
        try {
            if (readOnly && !Files.isRegularFile(file)) {
                throw ChirpException.notFound("no event store at " + file + " (run chirp monitor, or pass --store)");
            }
            if (!readOnly) {
                // The store holds what guests did (command lines, addresses, the custody log): owner-only, like
                // the root-only guest RAM it comes from. Created 0600 before SQLite opens it; its -wal/-shm follow.
                Path parent = file.toAbsolutePath().getParent();
                if (parent != null && !Files.isDirectory(parent)) io.chirp.core.OwnerOnly.dir(parent);
                io.chirp.core.OwnerOnly.file(file);
            }
            SQLiteConfig cfg = new SQLiteConfig();
            cfg.setBusyTimeout(BUSY_TIMEOUT_MS);
            cfg.setReadOnly(readOnly);
            if (!readOnly) {
                cfg.setJournalMode(SQLiteConfig.JournalMode.WAL);
                cfg.setSynchronous(SQLiteConfig.SynchronousMode.NORMAL);
                cfg.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
            }
            return DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath(), cfg.toProperties());
        } catch (SQLException e) {
            throw ChirpException.io("cannot open event store " + file + ": " + e.getMessage(), e);
        }
    }

    /** {@return true if {@code location} names a PostgreSQL database rather than a SQLite file} */
    public static boolean isPostgresql(String location) {
        return location.startsWith("postgresql://") || location.startsWith("jdbc:postgresql://");
    }

    /** {@return {@code location} with any password parameter's value hidden} */
    public static String redact(String location) {
        return location.replaceAll("(?i)(password=)[^&]*", "$1***");
    }

    /**
     * {@return a connection to the PostgreSQL database at {@code location}} ({@code postgresql://host:port/db?...});
     * the password comes from {@code PGPASSWORD} when it is set and the location has none.
     */
    static Connection connectPostgresql(String location) {
        String url = location.startsWith("jdbc:") ? location : "jdbc:" + location;
        java.util.Properties p = new java.util.Properties();
        String pw = System.getenv("PGPASSWORD");
        if (pw != null && !url.toLowerCase(java.util.Locale.ROOT).contains("password=")) p.setProperty("password", pw);
        p.setProperty("ApplicationName", "chirp");
        try {
            return DriverManager.getConnection(url, p);
        } catch (SQLException e) {
            throw ChirpException.io("cannot connect to the event store " + redact(location) + ": " + e.getMessage(), e);
        }
    }
}
