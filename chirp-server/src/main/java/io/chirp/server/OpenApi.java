package io.chirp.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chirp.tables.Column;
import io.chirp.tables.TableDef;
import io.chirp.tables.Tables;

import java.util.List;

/**
 * Writes the OpenAPI 3.1 document from the route table and the declared tables: every operation with its role
 * ({@code x-chirp-role}), audit flag ({@code x-chirp-audited}), parameters with their validation rules, and the
 * row schema of every table. Served at {@code /api/openapi.json}; it is the API's reference.
 */
final class OpenApi {
    private static final ObjectMapper JSON = new ObjectMapper();

    private OpenApi() {}

    static ObjectNode document(List<Route> routes, String version) {
        ObjectNode doc = JSON.createObjectNode();
        doc.put("openapi", "3.1.0");
        ObjectNode info = doc.putObject("info");
        info.put("title", "CHIRP API");
        info.put("version", version);
        info.put("description", "Agentless hypervisor-side forensics of this host's VMs. Every call needs a Bearer token "
                + "or Basic user credentials; each operation's x-chirp-role is the least role allowed (viewer < analyst < "
                + "admin). Calls marked x-chirp-audited are written to the hash-chained custody log. Errors are JSON "
                + "{status, error, message}.");
        ArrayNode security = doc.putArray("security");
        security.addObject().putArray("bearer");
        security.addObject().putArray("basic");
        ObjectNode components = doc.putObject("components");
        ObjectNode schemes = components.putObject("securitySchemes");
        schemes.putObject("bearer").put("type", "http").put("scheme", "bearer");
        schemes.putObject("basic").put("type", "http").put("scheme", "basic");
        ObjectNode schemas = components.putObject("schemas");
        ObjectNode err = schemas.putObject("error").put("type", "object");
        ObjectNode ep = err.putObject("properties");
        ep.putObject("status").put("type", "integer");
        ep.putObject("error").put("type", "string");
        ep.putObject("message").put("type", "string");
        for (TableDef<?> t : Tables.all()) tableSchemas(schemas, t);
        ObjectNode check = schemas.putObject("check_result").put("type", "object");
        check.putObject("properties").putObject("findings").put("$ref", "#/components/schemas/check");
        ((ObjectNode) check.get("properties")).putObject("checks").put("$ref", "#/components/schemas/check_sections");
        ((ObjectNode) check.get("properties")).putObject("alarming").put("type", "boolean");
        schemas.putObject("job").put("type", "object").put("description", "a job: id, kind, vm, mode, format, state "
                + "(running, succeeded, failed, cancelled), bytes, total, rate_bytes_per_s, eta_s, artifact, sha256, error");
        ObjectNode paths = doc.putObject("paths");
        for (Route r : routes) {
            ObjectNode item = paths.has(r.path()) ? (ObjectNode) paths.get(r.path()) : paths.putObject(r.path());
            item.set(r.method().toLowerCase(), operation(r));
        }
        return doc;
    }

    private static ObjectNode operation(Route r) {
        ObjectNode op = JSON.createObjectNode();
        op.put("operationId", r.id());
        op.put("summary", r.summary());
        op.putArray("tags").add(r.tag());
        op.put("x-chirp-role", r.role().label());
        op.put("x-chirp-audited", r.audited());
        ArrayNode params = op.putArray("parameters");
        for (Param p : r.params()) {
            if (p.in() == Param.In.BODY) continue;
            ObjectNode n = params.addObject();
            n.put("name", p.name());
            n.put("in", p.in() == Param.In.PATH ? "path" : "query");
            n.put("required", p.required());
            n.put("description", p.doc());
            n.set("schema", schema(p));
            if (p.kind() == Param.Kind.CHOICES || p.kind() == Param.Kind.INTEGERS) {
                n.put("style", "form");
                n.put("explode", false);
            }
        }
        List<Param> body = r.params(Param.In.BODY);
        if (!body.isEmpty()) {
            ObjectNode s = JSON.createObjectNode().put("type", "object").put("additionalProperties", false);
            ObjectNode props = s.putObject("properties");
            ArrayNode req = JSON.createArrayNode();
            for (Param p : body) {
                props.set(p.name(), schema(p).put("description", p.doc()));
                if (p.required()) req.add(p.name());
            }
            if (!req.isEmpty()) s.set("required", req);
            ObjectNode content = op.putObject("requestBody").put("required", true).putObject("content")
                    .putObject("application/json");
            content.set("schema", s);
            if (r.example() != null) content.set("example", JSON.valueToTree(r.example()));
        }
        ObjectNode responses = op.putObject("responses");
        ObjectNode ok = responses.putObject(Integer.toString(r.response().status()));
        ok.put("description", r.response().description());
        ObjectNode media = ok.putObject("content").putObject(r.response().contentType());
        if (r.response().schema() != null) media.putObject("schema").put("$ref", "#/components/schemas/" + r.response().schema());
        error(responses, 400, "a parameter or the body is invalid");
        error(responses, 401, "no or invalid credentials");
        error(responses, 403, "the caller's role is below " + r.role().label());
        if (!r.pathNames().isEmpty()) error(responses, 404, "no such " + String.join("/", r.pathNames()));
        if (!body.isEmpty()) error(responses, 413, "the body is larger than " + HttpFront.MAX_BODY + " bytes");
        if (r.path().startsWith("/api/vms/{vm}/") || r.path().startsWith("/api/jobs")) {
            error(responses, 422, "the guest's memory cannot answer (unmapped, corrupt or hostile data)");
            error(responses, 503, "a channel to the VM is unavailable, or too many jobs run");
        }
        return op;
    }

    private static void error(ObjectNode responses, int status, String why) {
        ObjectNode e = responses.putObject(Integer.toString(status));
        e.put("description", why);
        e.putObject("content").putObject("application/json").putObject("schema").put("$ref", "#/components/schemas/error");
    }

    private static ObjectNode schema(Param p) {
        ObjectNode s = JSON.createObjectNode();
        switch (p.kind()) {
            case INTEGER -> {
                s.put("type", "integer").put("minimum", p.min()).put("maximum", p.max());
                if (p.fallback() != null) s.put("default", (Long) p.fallback());
            }
            case BOOLEAN -> s.put("type", "boolean").put("default", Boolean.TRUE.equals(p.fallback()));
            case TEXT -> {
                s.put("type", "string").put("maxLength", p.max());
                if (p.pattern() != null) s.put("pattern", "^" + p.pattern() + "$");
            }
            case DOCUMENT -> s.put("type", "string").put("maxLength", p.max());
            case SECRET -> s.put("type", "string").put("format", "password").put("minLength", p.min()).put("maxLength", p.max());
            case CHOICE -> {
                s.put("type", "string");
                ArrayNode e = s.putArray("enum");
                p.choices().forEach(e::add);
                if (p.fallback() != null) s.put("default", (String) p.fallback());
            }
            case CHOICES -> {
                s.put("type", "array").put("maxItems", Param.MAX_LIST);
                ArrayNode e = s.putObject("items").put("type", "string").putArray("enum");
                p.choices().forEach(e::add);
            }
            case INTEGERS -> {
                s.put("type", "array").put("maxItems", Param.MAX_LIST);
                s.putObject("items").put("type", "integer").put("minimum", p.min()).put("maximum", p.max());
            }
        }
        if (p.example() != null) s.put("example", p.example());
        return s;
    }

    private static void tableSchemas(ObjectNode schemas, TableDef<?> t) {
        ObjectNode row = schemas.putObject(t.name() + "_row").put("type", "object").put("description", t.doc());
        ObjectNode props = row.putObject("properties");
        for (Column<?> c : t.columns()) {
            ObjectNode p = props.putObject(c.name());
            p.putArray("type").add(c.type().jsonType()).add("null");
            if (c.type().format() != null) p.put("format", c.type().format());
            p.put("description", c.doc() + (c.optional() ? " (only when asked for)" : ""));
        }
        ObjectNode res = schemas.putObject(t.name()).put("type", "object")
                .put("description", "rows of " + t.name() + "; complete is false (and problems say why) when partial");
        ObjectNode rp = res.putObject("properties");
        rp.putObject("table").put("type", "string").put("const", t.name());
        rp.putObject("columns").put("type", "array").putObject("items").put("type", "object");
        rp.putObject("rows").put("type", "array").putObject("items").put("$ref", "#/components/schemas/" + t.name() + "_row");
        rp.putObject("complete").put("type", "boolean");
        rp.putObject("problems").put("type", "array").putObject("items").put("type", "string");
    }
}
