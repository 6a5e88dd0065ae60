package io.chirp.server;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The console's front door over real HTTP, without a guest: its files and their Content-Security-Policy, sign-in
 * to an HttpOnly SameSite=Strict cookie, and the CSRF token every state-changing cookie call needs.
 */
class ConsoleTest {
    private static ChirpServer start(Path home) {
        return ChirpServer.start(ServerConfig.defaults(home).withPort(0).withVms(List.of("no-such-vm-" + ProcessHandle.current().pid())));
    }

    @Test
    void theConsoleIsServedWithAStrictPolicyAndNoInlineCode(@TempDir Path home) {
        try (ChirpServer s = start(home)) {
            ApiClient c = new ApiClient(s.uri());
            ApiClient.Answer index = c.get("/", null);
            assertThat(index.status()).isEqualTo(200);
            String csp = index.response().headers().firstValue("Content-Security-Policy").orElseThrow();
            assertThat(csp).contains("default-src 'none'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'")
                    .doesNotContain("unsafe-inline", "unsafe-eval", "http:", "https:");
            // no inline script, no inline style, nothing from another origin
            assertThat(index.body()).doesNotContainPattern("<script(?![^>]*\\ssrc=)").doesNotContain("style=", "<style", "//cdn", "http://", "https://");
            for (String asset : List.of("/app.js", "/views.js", "/dom.js", "/disk.js", "/cases.js", "/app.css", "/vendor/chart.umd.min.js", "/favicon.svg")) {
                ApiClient.Answer a = c.get(asset, null);
                assertThat(a.status()).as(asset).isEqualTo(200);
                assertThat(a.response().headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
            }
            assertThat(c.get("/vendor/chart.umd.min.js", null).body()).contains("Chart.js v" + ConsoleFront.chartJsVersion());
            // the console's own code never writes markup
            for (String js : List.of("/app.js", "/views.js", "/dom.js", "/disk.js", "/cases.js")) {
                assertThat(c.get(js, null).body()).as(js).doesNotContain("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(");
            }
            assertThat(c.get("/../pom.xml", null).status()).isIn(400, 404);
            assertThat(c.get("/io/chirp/server/console/app.js", null).status()).isEqualTo(404);
            assertThat(c.get("/api/vms", null).response().headers().firstValue("Content-Security-Policy")).isPresent();
        }
    }

    @Test
    void signInGivesAStrictCookieAndStateChangesNeedTheCsrfToken(@TempDir Path home) throws Exception {
        try (ChirpServer s = start(home)) {
            s.credentials().addUser("ann", Role.ANALYST, "correct horse battery".toCharArray());
            s.credentials().addUser("vic", Role.VIEWER, "correct horse battery".toCharArray());
            ApiClient c = new ApiClient(s.uri());
            ApiClient.Answer wrong = c.call("POST", "/api/session", null, "{\"user\":\"ann\",\"password\":\"wrong password!\"}");
            assertThat(wrong.status()).isEqualTo(401);
            assertThat(wrong.response().headers().firstValue("Set-Cookie")).isEmpty();
            assertThat(wrong.response().headers().firstValue("WWW-Authenticate")).as("no browser password dialog").isEmpty();

            ApiClient.Answer ok = c.call("POST", "/api/session", null, "{\"user\":\"ann\",\"password\":\"correct horse battery\"}");
            assertThat(ok.status()).isEqualTo(200);
            String setCookie = ok.response().headers().firstValue("Set-Cookie").orElseThrow();
            assertThat(setCookie).startsWith("chirp_session=").contains("HttpOnly", "SameSite=Strict", "Path=/");
            String cookie = setCookie.substring(0, setCookie.indexOf(';'));
            String csrf = ok.json().path("csrf").asText();
            assertThat(ok.json().path("role").asText()).isEqualTo("analyst");
            assertThat(csrf).hasSize(43).isNotEqualTo(cookie.substring(cookie.indexOf('=') + 1));

            assertThat(call(c, "GET", "/api/jobs", cookie, null, null).statusCode()).isEqualTo(200);
            assertThat(call(c, "GET", "/api/session", cookie, null, null).body()).contains(csrf);
            String acquire = "{\"vm\":\"no-such-vm\"}";
            HttpResponse<String> forged = call(c, "POST", "/api/jobs/acquisitions", cookie, null, acquire);
            assertThat(forged.statusCode()).as("no CSRF token").isEqualTo(403);
            assertThat(forged.body()).contains("\"csrf\"");
            assertThat(call(c, "POST", "/api/jobs/acquisitions", cookie, "x".repeat(43), acquire).statusCode()).as("a wrong token").isEqualTo(403);
            assertThat(call(c, "POST", "/api/jobs/acquisitions", cookie, csrf, acquire).statusCode())
                    .as("with the token the call goes through to the handler (no such VM)").isEqualTo(404);

            ApiClient.Answer v = c.call("POST", "/api/session", null, "{\"user\":\"vic\",\"password\":\"correct horse battery\"}");
            String vc = v.response().headers().firstValue("Set-Cookie").orElseThrow().split(";")[0];
            HttpResponse<String> viewerTry = call(c, "POST", "/api/jobs/acquisitions", vc, v.json().path("csrf").asText(), acquire);
            assertThat(viewerTry.statusCode()).as("a viewer's cookie, even with its token").isEqualTo(403);
            assertThat(viewerTry.body()).contains("forbidden");

            ApiClient.Answer byToken = c.call("POST", "/api/session", null, "{\"token\":\"" + s.firstAdminToken() + "\"}");
            assertThat(byToken.json().path("role").asText()).isEqualTo("admin");

            assertThat(call(c, "DELETE", "/api/session", cookie, null, null).statusCode()).as("sign-out needs the token too").isEqualTo(403);
            assertThat(call(c, "DELETE", "/api/session", cookie, csrf, null).statusCode()).isEqualTo(200);
            assertThat(call(c, "GET", "/api/jobs", cookie, null, null).statusCode()).isEqualTo(401);
            assertThat(call(c, "GET", "/api/jobs", "chirp_session=" + "A".repeat(43), null, null).statusCode()).isEqualTo(401);
            assertThat(s.audit().records().stream().map(r -> r.action()).toList()).contains("console sign-in", "console sign-in refused", "console sign-out");
        }
    }

    private static HttpResponse<String> call(ApiClient c, String method, String path, String cookie, String csrf, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(c.base.resolve(path)).header("Cookie", cookie);
        if (csrf != null) b.header("X-CSRF-Token", csrf);
        if (body != null) b.header("Content-Type", "application/json");
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return c.http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
