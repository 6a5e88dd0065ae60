package io.chirp.evidence.store;

import io.chirp.core.ChirpException;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Cases: VMs, alerts and artifacts grouped under one investigation, in the evidence store's database. Every change
 * is a custody record (subject {@code case/ID}). An alert is kept as the JSON the server showed, so a case bundle
 * carries it after the server has forgotten it.
 */
public final class Cases {
    /** Case ids: what the API's path parameters accept. */
    public static final String ID = "c-[0-9a-f]{16}";

    static final String[] DDL = {
        """
        CREATE TABLE IF NOT EXISTS cases (
            id          TEXT PRIMARY KEY,
            title       TEXT NOT NULL,
            description TEXT,
            created     TEXT NOT NULL,
            created_by  TEXT NOT NULL,
            auto_key    TEXT UNIQUE)""",
        """
        CREATE TABLE IF NOT EXISTS case_members (
            case_id  TEXT NOT NULL,
            kind     TEXT NOT NULL,
            ref      TEXT NOT NULL,
            added    TEXT NOT NULL,
            added_by TEXT NOT NULL,
            json     TEXT,
            PRIMARY KEY (case_id, kind, ref))""",
    };

    /** What a case groups besides artifacts. */
    public enum MemberKind { vm, alert }

    /**
     * A case.
     *
     * @param id          {@code c-} and 16 hex digits
     * @param title       one line
     * @param description free text, or null
     * @param created     when
     * @param createdBy   who
     * @param autoKey     set when a response rule opened it ({@code alert:ID} or {@code vm:NAME}), else null
     */
    public record Case(String id, String title, String description, Instant created, String createdBy, String autoKey) {}

    /**
     * A VM or alert in a case.
     *
     * @param json the alert as the server showed it (null for a VM)
     */
    public record Member(MemberKind kind, String ref, Instant added, String addedBy, String json) {}

    private final EvidenceStore store;
    private final Connection db;

    Cases(EvidenceStore store, Connection db) {
        this.store = store;
        this.db = db;
    }

    /** Opens a case. */
    public Case create(String title, String description, Actor actor) { return create(title, description, null, actor); }

    private Case create(String title, String description, String autoKey, Actor actor) {
        if (title == null || title.isBlank() || title.length() > 200) throw ChirpException.usage("a case needs a title of 1 to 200 characters");
        Case c = new Case("c-" + store.newId(), title, description, Instant.now(), actor.name(), autoKey);
        synchronized (store) {
            try (PreparedStatement ps = db.prepareStatement(
                    "INSERT INTO cases(id, title, description, created, created_by, auto_key) VALUES (?,?,?,?,?,?)")) {
                ps.setString(1, c.id());
                ps.setString(2, c.title());
                ps.setString(3, c.description());
                ps.setString(4, c.created().toString());
                ps.setString(5, c.createdBy());
                ps.setString(6, autoKey);
                ps.executeUpdate();
                db.commit();
            } catch (SQLException e) {
                store.rollback();
                throw ChirpException.io("cannot create a case: " + e.getMessage(), e);
            }
        }
        store.record(actor, "case create", "case/" + c.id(), null, "title=" + Actor.clean(title)
                + (autoKey != null ? "; auto=" + Actor.clean(autoKey) : ""));
        return c;
    }

    /** {@return the case a response rule files under {@code autoKey}, opened now if there is none} */
    public Case forAuto(String autoKey, String title, Actor actor) {
        synchronized (store) {
            Optional<Case> c = select(" WHERE auto_key = ?", autoKey).stream().findFirst();
            return c.orElseGet(() -> create(title, "opened automatically by a response rule", autoKey, actor));
        }
    }

    /** {@return every case, oldest first} */
    public List<Case> list() { return select("", null); }

    public Optional<Case> get(String id) { return select(" WHERE id = ?", id).stream().findFirst(); }

    /** {@return the case, or NOT_FOUND} */
    public Case require(String id) {
        return get(id).orElseThrow(() -> ChirpException.notFound("no case " + id));
    }

    /** {@return the cases an alert is in} */
    public List<Case> ofAlert(String alertId) {
        return select(" WHERE id IN (SELECT case_id FROM case_members WHERE kind = 'alert' AND ref = ?)", alertId);
    }

    /** Adds a VM to a case (again: nothing changes). */
    public void addVm(String caseId, String vm, Actor actor) { add(caseId, MemberKind.vm, vm, null, actor); }

    /** Adds an alert, kept as {@code json}. */
    public void addAlert(String caseId, String alertId, String json, Actor actor) { add(caseId, MemberKind.alert, alertId, json, actor); }

    /** Puts an artifact in a case (it leaves any case it was in). */
    public void addArtifact(String caseId, String artifactId, Actor actor) {
        require(caseId);
        store.setCase(artifactId, caseId, actor);
    }

    private void add(String caseId, MemberKind kind, String ref, String json, Actor actor) {
        require(caseId);
        boolean added;
        synchronized (store) {
            try (PreparedStatement ps = db.prepareStatement("INSERT OR IGNORE INTO case_members(case_id, kind, ref, added, "
                    + "added_by, json) VALUES (?,?,?,?,?,?)")) {
                ps.setString(1, caseId);
                ps.setString(2, kind.name());
                ps.setString(3, ref);
                ps.setString(4, Instant.now().toString());
                ps.setString(5, actor.name());
                ps.setString(6, json);
                added = ps.executeUpdate() > 0;
                db.commit();
            } catch (SQLException e) {
                store.rollback();
                throw ChirpException.io("cannot add to case " + caseId + ": " + e.getMessage(), e);
            }
        }
        if (added) store.record(actor, "case add " + kind, "case/" + caseId, null, kind + "=" + Actor.clean(ref));
    }

    /** {@return the VMs and alerts of a case, in the order added} */
    public List<Member> members(String caseId) {
        synchronized (store) {
            try (PreparedStatement ps = db.prepareStatement("SELECT kind, ref, added, added_by, json FROM case_members "
                    + "WHERE case_id = ? ORDER BY added, kind, ref")) {
                ps.setString(1, caseId);
                List<Member> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new Member(MemberKind.valueOf(rs.getString(1)), rs.getString(2), Instant.parse(rs.getString(3)),
                                rs.getString(4), rs.getString(5)));
                    }
                }
                db.commit();
                return out;
            } catch (SQLException e) {
                store.rollback();
                throw ChirpException.io("cannot read case " + caseId + ": " + e.getMessage(), e);
            }
        }
    }

    private List<Case> select(String where, String arg) {
        synchronized (store) {
            try (PreparedStatement ps = db.prepareStatement("SELECT id, title, description, created, created_by, auto_key "
                    + "FROM cases" + where + " ORDER BY created, id")) {
                if (arg != null) ps.setString(1, arg);
                List<Case> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new Case(rs.getString(1), rs.getString(2), rs.getString(3), Instant.parse(rs.getString(4)),
                                rs.getString(5), rs.getString(6)));
                    }
                }
                db.commit();
                return out;
            } catch (SQLException e) {
                store.rollback();
                throw ChirpException.io("cannot read cases: " + e.getMessage(), e);
            }
        }
    }
}
