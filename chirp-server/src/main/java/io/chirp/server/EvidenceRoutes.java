package io.chirp.server;

import io.chirp.tables.GuestJson;
import io.chirp.core.ChirpException;
import io.chirp.events.custody.CustodyRecord;
import io.chirp.events.store.EventQuery;
import io.chirp.events.store.StoredEvent;
import io.chirp.evidence.bundle.CaseBundle;
import io.chirp.evidence.store.Actor;
import io.chirp.evidence.store.Cases;
import io.chirp.evidence.store.EvidenceStore;
import io.chirp.evidence.store.StoredArtifact;
import io.chirp.server.response.ResponseRule;

import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.chirp.server.Param.In.BODY;
import static io.chirp.server.Param.In.QUERY;
import static io.chirp.server.Role.ANALYST;
import static io.chirp.server.Role.ADMIN;
import static io.chirp.server.Role.VIEWER;

/**
 * The evidence store and cases in the route table ({@link Api} calls {@link #declare}): artifacts (list, show,
 * download, verify, delete), the store's custody log, cases (create, list, show, add VMs, alerts and artifacts) and
 * case bundles. Every action on an artifact or case is a custody record in the store naming the caller; viewers
 * read, analysts change, admins delete.
 */
final class EvidenceRoutes {
    private static final Param ID = Param.pathId("id", "the artifact id (16 hex digits)");
    private static final Param CASE = Param.pathId("id", "the case id (c- and 16 hex digits)");
    /** Events put in a bundle at most, per VM of the case. */
    static final int BUNDLE_EVENTS = 100_000;

    private EvidenceRoutes() {}

    static void declare(ChirpServer s, List<Route> routes) {
        EvidenceStore st = s.evidence();
        add(routes, "GET", "/api/artifacts", "listArtifacts", VIEWER, false, "Artifacts in the evidence store, oldest first",
                List.of(Param.text("case", QUERY, false, "only this case's", Cases.ID, 18),
                        Param.text("alert", QUERY, false, "only those this alert triggered", "[A-Za-z0-9_-]{1,64}", 64)),
                Route.Response.json(null, "artifacts"), null, c -> {
                    List<StoredArtifact> l = c.text("case") != null ? st.listCase(c.text("case"))
                            : c.text("alert") != null ? st.listAlert(c.text("alert")) : st.list();
                    return Reply.ok(l.stream().map(EvidenceRoutes::artifact).toList());
                });
        add(routes, "GET", "/api/artifacts/{id}", "getArtifact", VIEWER, false, "One artifact: its manifest and custody records",
                List.of(ID), Route.Response.json(null, "the artifact"), null, c -> {
                    StoredArtifact a = st.require(c.require("id"));
                    Map<String, Object> m = artifact(a);
                    m.put("manifest", tree(a.manifest().toJson()));
                    m.put("custody", st.custody().stream().filter(r -> r.detail() != null
                            && r.detail().contains("artifact=" + a.id() + ";")).map(Api::record).toList());
                    return Reply.ok(m);
                });
        add(routes, "GET", "/api/artifacts/{id}/content", "downloadArtifact", VIEWER, true,
                "An artifact's bytes (a download; recorded in custody as a view)", List.of(ID),
                new Route.Response(200, "application/octet-stream", null, "the artifact"), null, c -> {
                    StoredArtifact a = st.require(c.require("id"));
                    InputStream in = st.view(a.id(), actor(c), "download");
                    return new Reply.Download("application/octet-stream", a.name().replaceAll("[^A-Za-z0-9._-]", "_"), out -> {
                        try (in) {
                            in.transferTo(out);
                        }
                    });
                });
        add(routes, "POST", "/api/artifacts/{id}/verify", "verifyArtifact", ANALYST, true,
                "Hash an artifact again and compare with its address (recorded in custody)", List.of(ID),
                Route.Response.json(null, "the result"), null, c -> {
                    boolean ok = st.verify(c.require("id"), actor(c));
                    return Reply.ok(Map.of("id", c.text("id"), "intact", ok));
                });
        add(routes, "DELETE", "/api/artifacts/{id}", "deleteArtifact", ADMIN, true,
                "Delete an artifact (the deletion is recorded in custody first)",
                List.of(ID, Param.text("reason", QUERY, false, "why", null, 500)), Route.Response.json(null, "what was deleted"),
                null, c -> {
                    st.delete(c.require("id"), actor(c), c.text("reason"));
                    return Reply.ok(Map.of("deleted", c.text("id")));
                });
        add(routes, "GET", "/api/custody", "getCustody", VIEWER, true,
                "The evidence store's custody log (hash-chained) and its verification",
                List.of(Param.integer("limit", QUERY, "at most this many (the newest)", 1, 100_000, 1000L)),
                Route.Response.json(null, "records and whether the chain is intact"), null, c -> {
                    List<CustodyRecord> all = st.custody();
                    int n = c.integer("limit");
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("verification", st.verifyCustody().toString());
                    m.put("records", all.subList(Math.max(0, all.size() - n), all.size()).stream().map(Api::record).toList());
                    return Reply.ok(m);
                });
        // --- automatic response
        add(routes, "GET", "/api/responses", "listResponses", VIEWER, false,
                "Response rules (automatic evidence on alerts), their counters and what they did", List.of(),
                Route.Response.json(null, "rules, counters, outcomes"), null, c -> {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("rules", s.responder().rules().stream().map(EvidenceRoutes::responseJson).toList());
                    m.put("counters", s.responder().counters());
                    m.put("outcomes", s.responder().outcomes());
                    return Reply.ok(m);
                });
        add(routes, "PUT", "/api/responses", "setResponses", ADMIN, true,
                "Replace the response rules (YAML, the format of docs/response-rules.md)",
                List.of(Param.document("yaml", "response rules: a map with a 'responses' list", 256 * 1024)),
                Route.Response.json(null, "the rules now in force"), Map.of("yaml", """
                        responses:
                          - id: example-collect
                            when: {level: critical, vms: ["victim"]}
                            collect: {maps: true}
                        """), c -> {
                    List<io.chirp.server.response.ResponseRule> r = io.chirp.server.response.ResponseRules.parse(
                            c.require("yaml"), "api:" + c.who().name());
                    s.responder().rules(r);
                    return Reply.ok(r.stream().map(EvidenceRoutes::responseJson).toList());
                });
        // --- cases
        add(routes, "GET", "/api/cases", "listCases", VIEWER, false, "Cases, oldest first", List.of(),
                Route.Response.json(null, "cases"), null, c -> Reply.ok(st.cases().list().stream().map(EvidenceRoutes::caseJson).toList()));
        add(routes, "POST", "/api/cases", "createCase", ANALYST, true, "Open a case",
                List.of(Param.text("title", BODY, true, "one line", null, 200),
                        Param.text("description", BODY, false, "free text", null, 4000)),
                new Route.Response(201, "application/json", null, "the case"),
                Map.of("title", "web1: shell from nginx"), c -> new Reply.Json(201,
                        caseJson(st.cases().create(c.require("title"), c.text("description"), actor(c)))));
        add(routes, "GET", "/api/cases/{id}", "getCase", VIEWER, false, "A case with its VMs, alerts and artifacts",
                List.of(CASE), Route.Response.json(null, "the case"), null, c -> Reply.ok(caseView(st, c.require("id"))));
        add(routes, "POST", "/api/cases/{id}/vms", "addCaseVm", ANALYST, true, "Add a VM to a case",
                List.of(CASE, Param.text("vm", BODY, true, "the VM", Param.VM_NAME, Param.VM_NAME_MAX)),
                Route.Response.json(null, "the case"), Map.of("vm", "victim"), c -> {
                    st.cases().addVm(c.require("id"), c.require("vm"), actor(c));
                    return Reply.ok(caseView(st, c.text("id")));
                });
        add(routes, "POST", "/api/cases/{id}/alerts", "addCaseAlert", ANALYST, true,
                "Add an alert to a case (kept as the server shows it, for the bundle)",
                List.of(CASE, Param.text("alert", BODY, true, "the alert id", "[A-Za-z0-9_-]{1,64}", 64)),
                Route.Response.json(null, "the case"), Map.of("alert", "0"), c -> {
                    Alerts.View a = s.alerts().get(c.require("alert"))
                            .orElseThrow(() -> ChirpException.notFound("no such alert: " + c.text("alert")));
                    st.cases().addAlert(c.require("id"), a.id(), write(a), actor(c));
                    return Reply.ok(caseView(st, c.text("id")));
                });
        add(routes, "POST", "/api/cases/{id}/artifacts", "addCaseArtifact", ANALYST, true, "Put an artifact in a case",
                List.of(CASE, Param.text("artifact", BODY, true, "the artifact id", "[0-9a-f]{16}", 16)),
                Route.Response.json(null, "the case"), Map.of("artifact", "0000000000000000"), c -> {
                    st.cases().addArtifact(c.require("id"), c.require("artifact"), actor(c));
                    return Reply.ok(caseView(st, c.text("id")));
                });
        add(routes, "GET", "/api/cases/{id}/bundle", "exportCase", ANALYST, true,
                "Export a case as a bundle (zip: artifacts, manifests, custody slice, alerts, events, index); check it "
                        + "offline with chirp evidence verify", List.of(CASE),
                new Route.Response(200, "application/zip", null, "the bundle"), null, c -> {
                    String id = c.require("id");
                    st.cases().require(id);
                    List<String> events = events(s, st, id);
                    Actor who = actor(c);
                    return new Reply.Download("application/zip", id + ".zip", out -> CaseBundle.export(st, id, who, events, out));
                });
    }

    /** The case's VMs' events, oldest first: the VMs added to it and those its artifacts came from. */
    private static List<String> events(ChirpServer s, EvidenceStore st, String caseId) {
        java.util.Set<String> vms = new java.util.TreeSet<>();
        for (Cases.Member m : st.cases().members(caseId)) if (m.kind() == Cases.MemberKind.vm) vms.add(m.ref());
        for (StoredArtifact a : st.listCase(caseId)) vms.add(a.vm());
        List<String> out = new ArrayList<>();
        for (String vm : vms) {
            for (StoredEvent e : s.queryEvents(EventQuery.all().vm(vm).limit(BUNDLE_EVENTS))) out.add(e.json());
        }
        return out;
    }

    static Map<String, Object> caseView(EvidenceStore st, String id) {
        Cases.Case k = st.cases().require(id);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("case", caseJson(k));
        List<Cases.Member> members = st.cases().members(id);
        m.put("vms", members.stream().filter(x -> x.kind() == Cases.MemberKind.vm).map(Cases.Member::ref).toList());
        m.put("alerts", members.stream().filter(x -> x.kind() == Cases.MemberKind.alert)
                .map(x -> x.json() == null ? Map.of("id", x.ref()) : tree(x.json())).toList());
        m.put("artifacts", st.listCase(id).stream().map(EvidenceRoutes::artifact).toList());
        return m;
    }

    static Map<String, Object> responseJson(io.chirp.server.response.ResponseRule r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", r.id());
        m.put("title", r.title());
        m.put("when", Map.of("rules", r.when().rules(), "level", r.when().minLevel() == null ? "" : r.when().minLevel().sigmaName(),
                "tags", r.when().tags(), "vms", r.when().vms()));
        ResponseRule.Collect c = r.collect();
        Map<String, Object> col = new LinkedHashMap<>();
        col.put("memory", c.memory() == null ? null : c.memory().name().toLowerCase(java.util.Locale.ROOT));
        col.put("format", c.format() == io.chirp.memory.ImageFormat.ELF_CORE ? "elf" : "lime");
        col.put("capture_s", c.capture() == null ? null : c.capture().toMillis() / 1000.0);
        col.put("maps", c.maps());
        col.put("executable", c.executable());
        col.put("files", c.files());
        m.put("collect", col);
        m.put("limit", Map.of("per_vm", r.limit().perVm(), "window_s", r.limit().window().toSeconds()));
        m.put("case", r.caseBy().name());
        return m;
    }

    static Map<String, Object> caseJson(Cases.Case k) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", k.id());
        m.put("title", k.title());
        m.put("description", k.description());
        m.put("created", k.created().toString());
        m.put("created_by", k.createdBy());
        m.put("auto_key", k.autoKey());
        return m;
    }

    static Map<String, Object> artifact(StoredArtifact a) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", a.id());
        m.put("sha256", a.sha256());
        m.put("name", a.name());
        m.put("vm", a.vm());
        m.put("kind", a.kind());
        m.put("size", a.size());
        m.put("complete", a.complete());
        m.put("collected", a.collected().toString());
        m.put("actor", a.actor());
        m.put("automatic", a.automatic());
        m.put("alert_id", a.alertId());
        m.put("case_id", a.caseId());
        m.put("path", a.path());
        return m;
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = GuestJson.mapper();

    static com.fasterxml.jackson.databind.JsonNode tree(String json) {
        try {
            return JSON.readTree(json);
        } catch (java.io.IOException e) {
            throw ChirpException.corrupt("stored JSON is unreadable: " + e.getMessage());
        }
    }

    static String write(Object o) {
        try {
            return JSON.writeValueAsString(o);
        } catch (java.io.IOException e) {
            throw new ChirpException(ChirpException.Kind.INTERNAL, "cannot write JSON: " + e.getMessage(), e);
        }
    }

    static Actor actor(Call c) { return Actor.api(c.who().name(), c.remote()); }

    private static void add(List<Route> routes, String method, String path, String id, Role role, boolean audited,
                            String summary, List<Param> params, Route.Response response, Map<String, Object> example,
                            Route.Handler h) {
        routes.add(new Route(method, path, id, path.startsWith("/api/cases") ? "cases" : "evidence", role, audited, summary,
                params, response, example, h));
    }
}
