package io.chirp.server;

import io.chirp.tables.GuestJson;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chirp.core.ChirpException;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The one entry point of every request: find the route, authenticate (Bearer token or Basic user+password),
 * check the route's role, validate every parameter against its declaration, run the handler, write the reply
 * or a JSON error, and write the audit record. Nothing reaches a handler unchecked.
 */
final class HttpFront extends Handler.Abstract {
    private static final Logger log = LoggerFactory.getLogger(HttpFront.class);
    /** Largest JSON body accepted. */
    static final int MAX_BODY = 64 * 1024;
    private static final Duration KEEPALIVE = Duration.ofSeconds(15);
    static final ObjectMapper JSON = GuestJson.mapper().disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

    private final List<Route> routes;
    private final Credentials credentials;
    private final Audit audit;
    private final Sessions sessions;
    private volatile boolean stopping;

    HttpFront(List<Route> routes, Credentials credentials, Audit audit, Sessions sessions) {
        super(InvocationType.BLOCKING);
        this.routes = List.copyOf(routes);
        this.credentials = credentials;
        this.audit = audit;
        this.sessions = sessions;
    }

    void stopStreams() { stopping = true; }

    @Override
    public boolean handle(Request req, Response res, Callback callback) {
        String path = req.getHttpURI().getDecodedPath();
        String method = req.getMethod();
        String remote = Request.getRemoteAddr(req) + ":" + Request.getRemotePort(req);
        Route route = null;
        String actor = "anonymous";
        Map<String, String> query = new LinkedHashMap<>();
        Reply reply = null;
        ApiError refusal = null;
        res.getHeaders().put("X-Content-Type-Options", "nosniff");
        res.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        try {
            Map<String, String> pathValues = null;
            boolean pathKnown = false;
            for (Route r : routes) {
                Map<String, String> m = r.match(path);
                if (m == null) continue;
                pathKnown = true;
                if (r.method().equals(method)) {
                    route = r;
                    pathValues = m;
                    break;
                }
            }
            if (route == null) {
                throw pathKnown ? new ApiError(405, "method_not_allowed", method + " is not allowed on " + path)
                        : new ApiError(404, "not_found", "no such API path: " + path);
            }
            Fields fields = Request.extractQueryParameters(req, StandardCharsets.UTF_8);
            for (Fields.Field f : fields) query.put(f.getName(), String.join(",", f.getValues()));
            Principal who = authenticate(req, Request.getRemoteAddr(req));
            actor = who.name();
            if (!who.role().allows(route.role())) {
                throw new ApiError(403, "forbidden", route.id() + " needs the " + route.role().label() + " role; "
                        + actor + " is " + who.role().label());
            }
            Call call = new Call(route, who, remote, values(route, pathValues, fields, req));
            reply = route.handler().handle(call);
        } catch (ApiError e) {
            refusal = e;
        } catch (ChirpException e) {
            int s = ApiError.status(e.kind());
            if (s == 500) log.warn("{} {} failed", method, path, e);
            refusal = new ApiError(s, ApiError.code(e.kind()), e.getMessage());
        } catch (Exception e) {
            log.error("{} {}: internal error", method, path, e);
            refusal = new ApiError(500, "internal", "internal error (a bug; the server log has the trace)");
        }
        // The record is made before anything is sent: durable first for a mutating call, queued for the next group
        // commit for a read (Audit); a stream is recorded when it opens, not when the client leaves.
        if (route != null && route.audited()) {
            int status = refusal != null ? refusal.status : reply instanceof Reply.Json j ? j.status() : 200;
            try {
                audit.call(actor, route, path, remote, status, query);
            } catch (RuntimeException e) {
                log.error("AUDIT FAILURE for {} {} by {}: {}", method, path, actor, e.toString());
                if (reply instanceof Reply.Stream st) st.subscription().close();
                reply = null;
                refusal = new ApiError(500, "audit_unavailable", "the audit log cannot be written; nothing was returned");
            }
        }
        if (refusal != null) {
            // no Basic challenge to the console's own calls: the browser would put up its password dialog
            boolean console = req.getHeaders().get(ConsoleFront.CONSOLE_HEADER) != null
                    || req.getHeaders().get(HttpHeader.COOKIE) != null;
            error(res, callback, refusal.status, refusal.error, refusal.getMessage(), refusal.status == 401 && !console);
            return true;
        }
        try {
            write(reply, res, callback);
        } catch (IOException | RuntimeException e) {
            log.warn("{} {}: cannot write the reply: {}", method, path, e.toString());
            if (res.isCommitted()) callback.failed(e);
            else error(res, callback, 500, "internal", "cannot encode the reply", false);
        }
        return true;
    }

    private Principal authenticate(Request req, String address) {
        String h = req.getHeaders().get(HttpHeader.AUTHORIZATION);
        Optional<Principal> p = Optional.empty();
        String cookie = h == null ? Sessions.cookie(req.getHeaders().get(HttpHeader.COOKIE)) : null;
        if (cookie != null) {
            // the console's session cookie: the browser sends it by itself, so a call that changes anything must
            // also carry the session's CSRF token, which only the console's own script can read
            Sessions.Session s = sessions.find(cookie).orElseThrow(() -> new ApiError(401, "unauthorized",
                    "the session has ended; sign in again"));
            boolean reads = req.getMethod().equals("GET") || req.getMethod().equals("HEAD");
            if (!reads && !Sessions.csrfMatches(s, req.getHeaders().get(Sessions.CSRF_HEADER))) {
                throw new ApiError(403, "csrf", "a call made with the session cookie needs the session's "
                        + Sessions.CSRF_HEADER + " header");
            }
            return s.who();
        }
        String user = null;
        if (h != null && h.length() < 4096) {
            if (h.regionMatches(true, 0, "Bearer ", 0, 7)) {
                sessions.limiter.check(null, address);
                p = credentials.byToken(h.substring(7).strip());
            } else if (h.regionMatches(true, 0, "Basic ", 0, 6)) {
                try {
                    String up = new String(Base64.getDecoder().decode(h.substring(6).strip()), StandardCharsets.UTF_8);
                    int colon = up.indexOf(':');
                    if (colon > 0) {
                        user = up.substring(0, colon);
                        sessions.limiter.check(user, address);
                        p = credentials.byPassword(user, up.substring(colon + 1));
                    }
                } catch (IllegalArgumentException e) {
                    p = Optional.empty();
                }
            }
        }
        if (p.isPresent()) {
            sessions.limiter.succeeded(user);
            return p.get();
        }
        if (h != null) sessions.limiter.failed(user, address);
        throw new ApiError(401, "unauthorized",
                h == null ? "authentication required: Authorization: Bearer TOKEN, or Basic" : "invalid credentials");
    }

    private static Map<String, Object> values(Route route, Map<String, String> pathValues, Fields fields, Request req)
            throws IOException {
        Map<String, Object> v = new LinkedHashMap<>();
        for (Param p : route.params(Param.In.PATH)) v.put(p.name(), p.parse(pathValues.get(p.name())));
        for (Fields.Field f : fields) {
            if (route.params(Param.In.QUERY).stream().noneMatch(p -> p.name().equals(f.getName()))) {
                throw ChirpException.usage("unknown query parameter: " + f.getName());
            }
            if (f.getValues().size() > 1) throw ChirpException.usage("query parameter " + f.getName() + " is repeated");
        }
        for (Param p : route.params(Param.In.QUERY)) {
            String raw = fields.getValue(p.name());
            if (raw != null) v.put(p.name(), p.parse(raw));
            else if (p.required()) throw ChirpException.usage("query parameter " + p.name() + " is required");
            else if (p.fallback() != null) v.put(p.name(), p.fallback());
        }
        List<Param> body = route.params(Param.In.BODY);
        if (!body.isEmpty()) {
            HttpField ct = req.getHeaders().getField(HttpHeader.CONTENT_TYPE);
            if (ct == null || !ct.getValue().toLowerCase().startsWith("application/json")) {
                throw new ApiError(415, "unsupported_media_type", "the body must be application/json");
            }
            long declared = req.getLength();
            if (declared > MAX_BODY) throw new ApiError(413, "too_large", "the body is larger than " + MAX_BODY + " bytes");
            byte[] bytes = Content.Source.asInputStream(req).readNBytes(MAX_BODY + 1);
            if (bytes.length > MAX_BODY) throw new ApiError(413, "too_large", "the body is larger than " + MAX_BODY + " bytes");
            JsonNode n;
            try {
                n = JSON.readTree(bytes);
            } catch (IOException e) {
                throw ChirpException.usage("the body is not valid JSON");
            }
            if (n == null || !n.isObject()) throw ChirpException.usage("the body must be a JSON object");
            for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
                String name = it.next();
                if (body.stream().noneMatch(p -> p.name().equals(name))) throw ChirpException.usage("unknown field: " + name);
            }
            for (Param p : body) {
                JsonNode f = n.get(p.name());
                if (f != null && !f.isNull()) v.put(p.name(), p.parse(f));
                else if (p.required()) throw ChirpException.usage("field " + p.name() + " is required");
                else if (p.fallback() != null) v.put(p.name(), p.fallback());
            }
        }
        return v;
    }

    private int write(Reply reply, Response res, Callback callback) throws IOException {
        switch (reply) {
            case Reply.Json(int status, Object body) -> {
                byte[] b = JSON.writeValueAsBytes(body);
                send(res, callback, status, "application/json", b);
                return status;
            }
            case Reply.Download(String type, String filename, Reply.Body body) -> {
                res.setStatus(200);
                res.getHeaders().put(HttpHeader.CONTENT_TYPE, type);
                res.getHeaders().put(HttpHeader.CONTENT_DISPOSITION, "attachment; filename=\"" + filename + "\"");
                try (OutputStream out = Content.Sink.asOutputStream(res)) {
                    body.writeTo(out);
                    callback.succeeded();
                } catch (IOException | RuntimeException e) {
                    callback.failed(e);
                }
                return 200;
            }
            case Reply.Stream(EventHub.Subscription sub) -> {
                stream(sub, res, callback);
                return 200;
            }
        }
    }

    /** Runs a Server-Sent Events stream on this (virtual) thread until the client goes or the server stops. */
    private void stream(EventHub.Subscription sub, Response res, Callback callback) {
        res.setStatus(200);
        res.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/event-stream; charset=utf-8");
        try (sub; OutputStream out = Content.Sink.asOutputStream(res)) {
            out.write(": chirp event stream\n\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
            long lastWrite = System.nanoTime();
            while (!stopping) {
                long missed = sub.takeMissed();
                if (missed > 0) out.write(("event: missed\ndata: {\"missed\":" + missed + "}\n\n").getBytes(StandardCharsets.UTF_8));
                if (sub.closed()) {
                    out.write("event: dropped\ndata: {\"reason\":\"too far behind\"}\n\n".getBytes(StandardCharsets.UTF_8));
                    break;
                }
                EventHub.Message m = sub.next(missed > 0 ? Duration.ZERO : Duration.ofMillis(500));
                if (m != null) out.write(m.wire().getBytes(StandardCharsets.UTF_8));
                else if (System.nanoTime() - lastWrite > KEEPALIVE.toNanos()) {
                    out.write(": keepalive\n\n".getBytes(StandardCharsets.UTF_8)); // also how a gone client is noticed
                } else continue;
                out.flush();
                lastWrite = System.nanoTime();
            }
            callback.succeeded();
        } catch (IOException | RuntimeException e) {
            callback.failed(e); // the client went away
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            callback.failed(e);
        }
    }

    static void send(Response res, Callback callback, int status, String type, byte[] body) {
        res.setStatus(status);
        res.getHeaders().put(HttpHeader.CONTENT_TYPE, type);
        res.getHeaders().put(HttpHeader.CONTENT_LENGTH, Integer.toString(body.length));
        res.write(true, java.nio.ByteBuffer.wrap(body), callback);
    }

    static int error(Response res, Callback callback, int status, String code, String message, boolean challenge) {
        if (res.isCommitted()) {
            callback.failed(new IOException(message));
            return status;
        }
        ObjectNode n = JSON.createObjectNode();
        n.put("status", status);
        n.put("error", code);
        n.put("message", message);
        if (challenge) res.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, "Bearer realm=\"chirp\", Basic realm=\"chirp\"");
        try {
            send(res, callback, status, "application/json", JSON.writeValueAsBytes(n));
        } catch (IOException e) {
            callback.failed(e);
        }
        return status;
    }
}
