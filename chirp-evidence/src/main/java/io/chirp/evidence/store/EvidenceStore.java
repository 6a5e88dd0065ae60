package io.chirp.evidence.store;

import io.chirp.core.OwnerOnly;
import io.chirp.core.ChirpException;
import io.chirp.core.ChirpHome;
import io.chirp.events.custody.CustodyLog;
import io.chirp.events.custody.CustodyRecord;
import io.chirp.events.custody.CustodyVerification;
import io.chirp.events.store.StoreDatabase;
import io.chirp.evidence.Custody;
import io.chirp.evidence.EvidenceManifest;
import io.chirp.evidence.EvidenceWriter;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The one evidence store (layout in {@link io.chirp.evidence.store package-info}): collects artifacts through
 * producers that write with {@link EvidenceWriter}, keeps them by content address, and records every collection,
 * view, export and deletion in its hash-chained custody log. Thread-safe.
 */
public final class EvidenceStore implements AutoCloseable {
    /** Writes evidence into a private folder the store gives it; every file it commits there is collected. */
    @FunctionalInterface
    public interface Producer {
        void produce(Path folder) throws Exception;
    }

    private static final String[] DDL = {
        """
        CREATE TABLE IF NOT EXISTS artifacts (
            id        TEXT PRIMARY KEY,
            sha256    TEXT NOT NULL,
            name      TEXT NOT NULL,
            vm        TEXT NOT NULL,
            kind      TEXT NOT NULL,
            size      INTEGER NOT NULL,
            complete  INTEGER NOT NULL,
            collected TEXT NOT NULL,
            actor     TEXT NOT NULL,
            automatic INTEGER NOT NULL,
            alert_id  TEXT,
            case_id   TEXT,
            manifest  TEXT NOT NULL)""",
        "CREATE INDEX IF NOT EXISTS artifacts_sha ON artifacts(sha256)",
    };

    private final Path root;
    private final Connection db;
    private final CustodyLog custody;
    private final Cases cases;
    private final SecureRandom random = new SecureRandom();

    private EvidenceStore(Path root, Connection db, CustodyLog custody) {
        this.root = root;
        this.db = db;
        this.custody = custody;
        this.cases = new Cases(this, db);
    }

    /** {@return the store at {@code $CHIRP_HOME/evidence}} */
    public static EvidenceStore openDefault() { return open(defaultRoot()); }

    /** {@return {@code $CHIRP_HOME/evidence}} */
    public static Path defaultRoot() { return ChirpHome.resolve("evidence"); }

    /** {@return the store at {@code root}, created (0700) if absent} */
    public static EvidenceStore open(Path root) {
        Path r = root.toAbsolutePath().normalize();
        OwnerOnly.directories(r);
        Connection c = StoreDatabase.connect(r.resolve("store.db"), false);
        try (Statement s = c.createStatement()) {
            s.execute("PRAGMA synchronous = FULL");
            c.setAutoCommit(false);
            for (String ddl : DDL) s.execute(ddl);
            for (String ddl : Cases.DDL) s.execute(ddl);
            c.commit();
        } catch (SQLException e) {
            closeQuietly(c);
            throw ChirpException.io("cannot open the evidence store in " + r + ": " + e.getMessage(), e);
        }
        CustodyLog log = CustodyLog.open(r.resolve("custody.db"));
        OwnerOnly.restrict(r.resolve("store.db"));
        OwnerOnly.restrict(r.resolve("custody.db"));
        return new EvidenceStore(r, c, log);
    }

    /** {@return the store's folder} */
    public Path root() { return root; }

    /** {@return the cases of this store} */
    public Cases cases() { return cases; }

    /** {@return a blob's path relative to a store root} */
    public static String relativeBlob(String sha256) {
        if (!sha256.matches("[0-9a-f]{64}")) throw ChirpException.corrupt("not a SHA-256: " + sha256);
        return "sha256/" + sha256.substring(0, 2) + "/" + sha256;
    }

    /** {@return where the blob of {@code a} is} */
    public Path blob(StoredArtifact a) { return root.resolve(a.path()); }

    /**
     * Runs {@code producer} in a fresh private folder and collects every evidence file it commits there: each
     * commit's custody record goes to this store's log (with {@code actor} and the content address), each file is
     * re-hashed against its manifest, moved to its address and recorded as an artifact of {@code caseId} (may be
     * null).
     *
     * @return the artifacts, in the order they were committed
     * @throws ChirpException what the producer threw (files it committed before failing are still collected), or
     *                        CORRUPT if a file's bytes no longer match its manifest
     */
    public List<StoredArtifact> collect(Actor actor, String caseId, Producer producer) {
        if (caseId != null) cases.require(caseId);
        Path folder = root.resolve("incoming").resolve(newId());
        OwnerOnly.directories(folder);
        List<Committed> committed = new CopyOnWriteArrayList<>();
        Custody.Recorder recorder = (target, m) -> {
            String id = newId();
            CustodyRecord r = custody.append(actor.name(), "collect", relativeBlob(m.sha256()), m.sha256(),
                    "artifact=" + id + "; case=" + (caseId == null ? "-" : caseId) + "; " + actor.detail() + "; "
                            + Custody.detail(m));
            committed.add(new Committed(id, target, m));
            return r;
        };
        RuntimeException failure = null;
        try {
            Custody.withRecorder(recorder, () -> producer.produce(folder));
        } catch (RuntimeException e) {
            failure = e;
        }
        try {
            List<StoredArtifact> out = new ArrayList<>();
            for (Committed c : committed) out.add(ingest(c, actor, caseId));
            for (Path stray : strays(folder, committed)) out.add(ingest(recordLate(stray, actor, caseId), actor, caseId));
            if (failure != null) throw failure;
            return out;
        } finally {
            deleteTree(folder);
        }
    }

    /** A file committed on a thread the recorder did not reach (its record went to the default log): recorded now. */
    private Committed recordLate(Path file, Actor actor, String caseId) {
        EvidenceManifest m = EvidenceManifest.read(EvidenceManifest.pathFor(file));
        String id = newId();
        custody.append(actor.name(), "collect", relativeBlob(m.sha256()), m.sha256(), "artifact=" + id + "; case="
                + (caseId == null ? "-" : caseId) + "; " + actor.detail() + "; recorded at ingest; " + Custody.detail(m));
        return new Committed(id, file, m);
    }

    private static List<Path> strays(Path folder, List<Committed> known) {
        List<Path> out = new ArrayList<>();
        try (var s = Files.walk(folder)) {
            for (Path p : s.filter(Files::isRegularFile).sorted().toList()) {
                String n = p.getFileName().toString();
                if (n.endsWith(".manifest.json") || n.contains(".partial")) continue;
                if (!Files.isRegularFile(EvidenceManifest.pathFor(p))) continue; // not a committed evidence file
                if (known.stream().noneMatch(c -> c.file().equals(p))) out.add(p);
            }
        } catch (IOException e) {
            throw ChirpException.io("cannot list " + folder + ": " + e.getMessage(), e);
        }
        return out;
    }

    private StoredArtifact ingest(Committed c, Actor actor, String caseId) {
        EvidenceManifest m = c.manifest();
        String actual = sha256(c.file());
        if (!actual.equals(m.sha256())) {
            throw ChirpException.corrupt(c.file().getFileName() + " changed after it was committed: SHA-256 " + actual
                    + ", manifest says " + m.sha256());
        }
        Path blob = root.resolve(relativeBlob(m.sha256()));
        try {
            OwnerOnly.directories(blob.getParent());
            if (Files.exists(blob)) {
                Files.delete(c.file()); // the same bytes are already here: one blob, two collections
            } else {
                Files.move(c.file(), blob, StandardCopyOption.ATOMIC_MOVE);
                Path manifest = EvidenceManifest.pathFor(blob);
                Files.move(EvidenceManifest.pathFor(c.file()), manifest, StandardCopyOption.ATOMIC_MOVE);
            }
            EvidenceWriter.fsyncDirectory(blob.getParent());
        } catch (IOException e) {
            throw ChirpException.io("cannot move " + c.file() + " into the store: " + e.getMessage(), e);
        }
        StoredArtifact a = new StoredArtifact(c.id(), m.sha256(), m.artifact(), m.source().name(), m.kind(), m.size(),
                m.complete(), Instant.now(), actor.name(), actor.automatic(), actor.alertId(), caseId, m);
        insert(a);
        return a;
    }

    private synchronized void insert(StoredArtifact a) {
        try (PreparedStatement ps = db.prepareStatement("INSERT INTO artifacts(id, sha256, name, vm, kind, size, complete, "
                + "collected, actor, automatic, alert_id, case_id, manifest) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)")) {
            ps.setString(1, a.id());
            ps.setString(2, a.sha256());
            ps.setString(3, a.name());
            ps.setString(4, a.vm());
            ps.setString(5, a.kind());
            ps.setLong(6, a.size());
            ps.setInt(7, a.complete() ? 1 : 0);
            ps.setString(8, a.collected().toString());
            ps.setString(9, a.actor());
            ps.setInt(10, a.automatic() ? 1 : 0);
            ps.setString(11, a.alertId());
            ps.setString(12, a.caseId());
            ps.setString(13, a.manifest().toJson());
            ps.executeUpdate();
            db.commit();
        } catch (SQLException e) {
            rollback();
            throw ChirpException.io("cannot record artifact " + a.id() + ": " + e.getMessage(), e);
        }
    }

    /** {@return every artifact, oldest first} */
    public List<StoredArtifact> list() { return select("", null); }

    /** {@return the artifacts of a case, oldest first} */
    public List<StoredArtifact> listCase(String caseId) { return select(" WHERE case_id = ?", caseId); }

    /** {@return the artifacts an alert triggered, oldest first} */
    public List<StoredArtifact> listAlert(String alertId) { return select(" WHERE alert_id = ?", alertId); }

    public Optional<StoredArtifact> get(String id) { return select(" WHERE id = ?", id).stream().findFirst(); }

    /** {@return the artifact, or NOT_FOUND} */
    public StoredArtifact require(String id) {
        return get(id).orElseThrow(() -> ChirpException.notFound("no artifact " + id + " in the store " + root));
    }

    private synchronized List<StoredArtifact> select(String where, String arg) {
        try (PreparedStatement ps = db.prepareStatement("SELECT id, sha256, name, vm, kind, size, complete, collected, actor, "
                + "automatic, alert_id, case_id, manifest FROM artifacts" + where + " ORDER BY collected, id")) {
            if (arg != null) ps.setString(1, arg);
            List<StoredArtifact> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new StoredArtifact(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                            rs.getString(5), rs.getLong(6), rs.getInt(7) != 0, Instant.parse(rs.getString(8)),
                            rs.getString(9), rs.getInt(10) != 0, rs.getString(11), rs.getString(12),
                            EvidenceManifest.parse(rs.getString(13), "artifact " + rs.getString(1))));
                }
            }
            db.commit();
            return out;
        } catch (SQLException e) {
            rollback();
            throw ChirpException.io("cannot read the evidence store " + root + ": " + e.getMessage(), e);
        }
    }

    /** Sets the case of an artifact (null: none); recorded in custody. Used by {@link Cases}. */
    synchronized void setCase(String artifactId, String caseId, Actor actor) {
        StoredArtifact a = require(artifactId);
        try (PreparedStatement ps = db.prepareStatement("UPDATE artifacts SET case_id = ? WHERE id = ?")) {
            ps.setString(1, caseId);
            ps.setString(2, artifactId);
            ps.executeUpdate();
            db.commit();
        } catch (SQLException e) {
            rollback();
            throw ChirpException.io("cannot assign artifact " + artifactId + ": " + e.getMessage(), e);
        }
        record(actor, "assign", a, "case=" + (caseId == null ? "-" : caseId));
    }

    /**
     * Opens an artifact's bytes for {@code purpose} (e.g. {@code download}); the view is recorded before the first
     * byte is read.
     */
    public InputStream view(String id, Actor actor, String purpose) {
        StoredArtifact a = require(id);
        record(actor, "view", a, "purpose=" + Actor.clean(purpose));
        try {
            return Files.newInputStream(blob(a));
        } catch (IOException e) {
            throw ChirpException.io("cannot read artifact " + id + ": " + e.getMessage(), e);
        }
    }

    /** Copies an artifact to {@code dest} (a new file, 0600) and records the export. */
    public void export(String id, Actor actor, Path dest) {
        StoredArtifact a = require(id);
        try {
            OwnerOnly.directories(dest.toAbsolutePath().getParent());
            Files.copy(blob(a), dest);
            OwnerOnly.set(dest);
        } catch (IOException e) {
            throw ChirpException.io("cannot export artifact " + id + " to " + dest + ": " + e.getMessage(), e);
        }
        record(actor, "export", a, "to=" + Actor.clean(dest.toAbsolutePath().normalize().toString()));
    }

    /** Deletes an artifact (and its blob when no other artifact shares it); the deletion is recorded first. */
    public synchronized void delete(String id, Actor actor, String reason) {
        StoredArtifact a = require(id);
        record(actor, "delete", a, "reason=" + Actor.clean(reason == null ? "" : reason));
        try (PreparedStatement ps = db.prepareStatement("DELETE FROM artifacts WHERE id = ?")) {
            ps.setString(1, id);
            ps.executeUpdate();
            db.commit();
        } catch (SQLException e) {
            rollback();
            throw ChirpException.io("cannot delete artifact " + id + ": " + e.getMessage(), e);
        }
        if (select(" WHERE sha256 = ?", a.sha256()).isEmpty()) {
            try {
                Files.deleteIfExists(blob(a));
                Files.deleteIfExists(EvidenceManifest.pathFor(blob(a)));
            } catch (IOException e) {
                throw ChirpException.io("recorded the deletion of " + id + " but could not remove its file: " + e.getMessage(), e);
            }
        }
    }

    /** {@return true if the artifact's blob still hashes to its address; the check is recorded} */
    public boolean verify(String id, Actor actor) {
        StoredArtifact a = require(id);
        String actual = Files.isRegularFile(blob(a)) ? sha256(blob(a)) : "missing";
        boolean ok = actual.equals(a.sha256());
        record(actor, "verify", a, "result=" + (ok ? "intact" : "MISMATCH " + actual));
        return ok;
    }

    /** Appends a custody record about {@code a}. */
    CustodyRecord record(Actor actor, String action, StoredArtifact a, String detail) {
        return custody.append(actor.name(), action, a.path(), a.sha256(), "artifact=" + a.id() + "; " + actor.detail()
                + "; " + detail);
    }

    /** Appends a custody record about something that is not an artifact (a case, a bundle). */
    public CustodyRecord record(Actor actor, String action, String subject, String sha256, String detail) {
        return custody.append(actor.name(), action, subject, sha256, actor.detail() + (detail == null ? "" : "; " + detail));
    }

    /** {@return every custody record, in chain order} */
    public List<CustodyRecord> custody() { return custody.records(); }

    /** {@return the chain check of the custody log} */
    public CustodyVerification verifyCustody() { return custody.verify(); }

    /** {@return the hex SHA-256 of a file} */
    public static String sha256(Path file) {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
        byte[] buf = new byte[1 << 20];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
        } catch (IOException e) {
            throw ChirpException.io("cannot read " + file + ": " + e.getMessage(), e);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    String newId() {
        byte[] b = new byte[8];
        random.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    void rollback() {
        try {
            db.rollback();
        } catch (SQLException ignored) {
            // the original failure is reported
        }
    }


    private static void deleteTree(Path p) {
        if (!Files.exists(p)) return;
        try (var s = Files.walk(p)) {
            for (Path x : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(x);
        } catch (IOException ignored) {
            // an incoming/ID folder left behind holds nothing committed (every committed file was moved)
        }
    }

    private static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (SQLException ignored) {
            // reporting the original failure
        }
    }

    @Override public synchronized void close() {
        custody.close();
        closeQuietly(db);
    }

    private record Committed(String id, Path file, EvidenceManifest manifest) {}
}
