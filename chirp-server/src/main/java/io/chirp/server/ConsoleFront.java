package io.chirp.server;

import com.fasterxml.jackson.databind.JsonNode;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * The web console in front of the API: its static files (a fixed list, read from the class path once at start, so
 * no request can name a file), the sign-in calls under {@code /api/session}, and everything else under
 * {@code /api/} handed to {@link HttpFront}. Every answer carries a Content-Security-Policy that allows scripts,
 * styles and connections from this origin only and no inline script or style at all: a guest string that reached
 * the page as markup still could not run.
 *
 * <p>The front end is plain ES modules plus one library, Chart.js, for the event-rate chart. Chart.js comes as a
 * WebJar from Maven Central, so the build needs no node and nothing is fetched at run time; the console's own
 * code only builds DOM nodes and sets guest strings with {@code textContent}.
 */
final class ConsoleFront extends Handler.Abstract {
    /** Sent by the console's fetch calls, so a 401 carries no Basic challenge (no browser password dialog). */
    static final String CONSOLE_HEADER = "X-Chirp-Console";
    static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "connect-src 'self'; font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
    private static final String ROOT = "io/chirp/server/console/";

    private record Asset(String type, byte[] bytes) {}

    private final HttpFront api;
    private final Credentials credentials;
    private final Sessions sessions;
    private final Audit audit;
    private final boolean secure;
    private final Map<String, Asset> assets;

    ConsoleFront(HttpFront api, Credentials credentials, Sessions sessions, Audit audit, boolean secure) {
        super(InvocationType.BLOCKING);
        this.api = api;
        this.credentials = credentials;
        this.sessions = sessions;
        this.audit = audit;
        this.secure = secure;
        this.assets = assets();
    }

    private static Map<String, Asset> assets() {
        Map<String, Asset> m = new LinkedHashMap<>();
        m.put("/", new Asset("text/html; charset=utf-8", resource(ROOT + "index.html")));
        m.put("/app.js", new Asset("text/javascript; charset=utf-8", resource(ROOT + "app.js")));
        m.put("/views.js", new Asset("text/javascript; charset=utf-8", resource(ROOT + "views.js")));
        m.put("/dom.js", new Asset("text/javascript; charset=utf-8", resource(ROOT + "dom.js")));
        m.put("/disk.js", new Asset("text/javascript; charset=utf-8", resource(ROOT + "disk.js")));
        m.put("/cases.js", new Asset("text/javascript; charset=utf-8", resource(ROOT + "cases.js")));
        m.put("/app.css", new Asset("text/css; charset=utf-8", resource(ROOT + "app.css")));
        m.put("/favicon.svg", new Asset("image/svg+xml", resource(ROOT + "favicon.svg")));
        m.put("/vendor/chart.umd.min.js", new Asset("text/javascript; charset=utf-8",
                resource("META-INF/resources/webjars/chart.js/" + chartJsVersion() + "/dist/chart.umd.min.js")));
        return Map.copyOf(m);
    }

    /** {@return the Chart.js version on the class path (the WebJar's own Maven metadata), so the pom names it once} */
    static String chartJsVersion() {
        Properties p = new Properties();
        try (InputStream in = ConsoleFront.class.getClassLoader()
                .getResourceAsStream("META-INF/maven/org.webjars.npm/chart.js/pom.properties")) {
            if (in == null) throw new IllegalStateException("the Chart.js WebJar is not on the class path");
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p.getProperty("version");
    }

    private static byte[] resource(String name) {
        try (InputStream in = ConsoleFront.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException("console asset missing from the build: " + name);
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public boolean handle(Request req, Response res, Callback callback) throws Exception {
        String path = req.getHttpURI().getDecodedPath();
        res.getHeaders().put("Content-Security-Policy", CSP);
        res.getHeaders().put("X-Frame-Options", "DENY");
        res.getHeaders().put("Referrer-Policy", "no-referrer");
        if (path.equals("/api/session")) return session(req, res, callback);
        if (path.startsWith("/api/")) return api.handle(req, res, callback);
        Asset a = assets.get(path);
        res.getHeaders().put("X-Content-Type-Options", "nosniff");
        res.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-cache");
        if (a == null || !(req.getMethod().equals("GET") || req.getMethod().equals("HEAD"))) {
            HttpFront.error(res, callback, 404, "not_found", "no such page: " + path, false);
            return true;
        }
        res.setStatus(200);
        res.getHeaders().put(HttpHeader.CONTENT_TYPE, a.type());
        res.getHeaders().put(HttpHeader.CONTENT_LENGTH, Integer.toString(a.bytes().length));
        res.write(true, req.getMethod().equals("HEAD") ? ByteBuffer.allocate(0) : ByteBuffer.wrap(a.bytes()), callback);
        return true;
    }

    /**
     * {@code POST /api/session} signs in with {@code {"user","password"}} or {@code {"token"}} and sets the cookie;
     * {@code GET} says who the cookie belongs to (and its CSRF token, for a reloaded page); {@code DELETE} signs out.
     */
    private boolean session(Request req, Response res, Callback callback) throws IOException {
        res.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        res.getHeaders().put("X-Content-Type-Options", "nosniff");
        String remote = Request.getRemoteAddr(req) + ":" + Request.getRemotePort(req);
        String cookie = Sessions.cookie(req.getHeaders().get(HttpHeader.COOKIE));
        switch (req.getMethod()) {
            case "GET" -> {
                Optional<Sessions.Session> s = sessions.find(cookie);
                if (s.isEmpty()) return refuse(res, callback, 401, "unauthorized", "not signed in", false);
                return json(res, callback, 200, describe(s.get()));
            }
            case "DELETE" -> {
                Optional<Sessions.Session> s = sessions.find(cookie);
                if (s.isPresent() && !Sessions.csrfMatches(s.get(), req.getHeaders().get(Sessions.CSRF_HEADER))) {
                    return refuse(res, callback, 403, "csrf", "signing out needs the session's CSRF token", false);
                }
                s.ifPresent(x -> {
                    sessions.remove(x.id());
                    audit.custody(x.who().name(), "console sign-out", "/api/session", null, "from " + remote);
                });
                res.getHeaders().add(HttpHeader.SET_COOKIE, cookieHeader("", 0));
                return json(res, callback, 200, Map.of("signed_out", s.isPresent()));
            }
            case "POST" -> {
                String ct = req.getHeaders().get(HttpHeader.CONTENT_TYPE);
                // JSON only: a cross-site HTML form cannot send it without a CORS preflight, which is refused
                if (ct == null || !ct.toLowerCase().startsWith("application/json")) {
                    return refuse(res, callback, 415, "unsupported_media_type", "the body must be application/json", false);
                }
                byte[] body = Content.Source.asInputStream(req).readNBytes(4097);
                JsonNode n;
                try {
                    n = body.length > 4096 ? null : HttpFront.JSON.readTree(body);
                } catch (IOException e) {
                    n = null;
                }
                if (n == null || !n.isObject()) {
                    return refuse(res, callback, 400, "usage", "send {\"user\",\"password\"} or {\"token\"}", false);
                }
                Optional<Principal> who;
                String claimed;
                String user = n.hasNonNull("token") ? null : n.path("user").asText("");
                String address = Request.getRemoteAddr(req);
                Optional<String> limited = sessions.limiter.refusal(user, address);
                if (limited.isPresent()) {
                    audit.custody("anonymous", "console sign-in refused", "/api/session", null,
                            "from " + remote + ": " + limited.get());
                    return refuse(res, callback, 429, "too_many_attempts", limited.get(), false);
                }
                if (user == null) {
                    claimed = "token";
                    who = credentials.byToken(n.get("token").asText());
                } else {
                    claimed = user;
                    who = claimed.length() > 64 ? Optional.empty() : credentials.byPassword(claimed, n.path("password").asText(""));
                }
                if (who.isPresent()) sessions.limiter.succeeded(user);
                else sessions.limiter.failed(user, address);
                if (who.isEmpty()) {
                    audit.custody("anonymous", "console sign-in refused", "/api/session", null,
                            "from " + remote + " as " + (claimed.matches("[A-Za-z0-9._@-]{1,64}") ? claimed : "(invalid name)"));
                    return refuse(res, callback, 401, "unauthorized", "wrong user name, password or token", false);
                }
                Sessions.Session s = sessions.create(who.get());
                audit.custody(s.who().name(), "console sign-in", "/api/session", null, "from " + remote);
                res.getHeaders().add(HttpHeader.SET_COOKIE, cookieHeader(s.id(), Sessions.IDLE.toSeconds()));
                return json(res, callback, 200, describe(s));
            }
            default -> {
                return refuse(res, callback, 405, "method_not_allowed", req.getMethod() + " is not allowed on /api/session", false);
            }
        }
    }

    private static boolean refuse(Response res, Callback callback, int status, String code, String message, boolean challenge) {
        HttpFront.error(res, callback, status, code, message, challenge);
        return true;
    }

    private String cookieHeader(String value, long maxAge) {
        return Sessions.COOKIE + "=" + value + "; Path=/; Max-Age=" + maxAge + "; HttpOnly; SameSite=Strict" + (secure ? "; Secure" : "");
    }

    private static Map<String, Object> describe(Sessions.Session s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", s.who().name());
        m.put("role", s.who().role().label());
        m.put("csrf", s.csrf());
        m.put("version", ChirpServer.VERSION);
        return m;
    }

    private static boolean json(Response res, Callback callback, int status, Object body) {
        try {
            HttpFront.send(res, callback, status, "application/json", HttpFront.JSON.writeValueAsBytes(body));
        } catch (IOException e) {
            callback.failed(e);
        }
        return true;
    }
}
