package io.chirp.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.chirp.core.ChirpException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The server's front door without a guest: it watches a VM that does not exist, so every answer here comes
 * from authentication, roles, validation and error mapping.
 */
class ServerTest {
    private static ServerConfig config(Path home) {
        return ServerConfig.defaults(home).withPort(0).withVms(List.of("no-such-vm-" + ProcessHandle.current().pid()));
    }

    @Test
    void firstStartPrintsOneAdminTokenAndStoresOnlyItsHash(@TempDir Path home) throws Exception {
        String token;
        try (ChirpServer s = ChirpServer.start(config(home))) {
            token = s.firstAdminToken();
            assertThat(token).startsWith("chirp_");
            ApiClient c = new ApiClient(s.uri());
            assertThat(c.get("/api/users", token).status()).isEqualTo(200);
        }
        Path cred = home.resolve("server/credentials.json");
        assertThat(Files.readString(cred)).doesNotContain(token).contains(Credentials.sha256(token));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(cred))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(home.resolve("server")))).isEqualTo("rwx------");
        try (ChirpServer s = ChirpServer.start(config(home))) {
            assertThat(s.firstAdminToken()).as("only the first start makes one").isNull();
            assertThat(new ApiClient(s.uri()).get("/api/tokens", token).status()).as("the stored hash still works").isEqualTo(200);
        }
    }

    @Test
    void everyCallIsAuthenticatedAndRolesAreEnforced(@TempDir Path home) {
        try (ChirpServer s = ChirpServer.start(config(home))) {
            ApiClient c = new ApiClient(s.uri());
            String admin = s.firstAdminToken();
            String viewer = s.credentials().createToken("v", Role.VIEWER).secret();
            ApiClient.Answer none = c.get("/api/vms", null);
            assertThat(none.status()).isEqualTo(401);
            assertThat(none.response().headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).contains("Bearer"));
            assertThat(none.json().path("error").asText()).isEqualTo("unauthorized");
            assertThat(c.get("/api/vms", "chirp_000000000000_forged").status()).isEqualTo(401);
            assertThat(c.get("/api/vms", viewer).status()).isEqualTo(200);
            assertThat(c.get("/api/users", viewer).status()).isEqualTo(403);
            assertThat(c.call("POST", "/api/tokens", viewer, "{\"name\":\"x\",\"role\":\"admin\"}").status()).isEqualTo(403);
            // a user with a bcrypt-hashed password signs in with Basic
            s.credentials().addUser("alice", Role.ANALYST, "correct horse battery".toCharArray());
            assertThat(c.get("/api/jobs", "alice:correct horse battery").status()).isEqualTo(200);
            assertThat(c.get("/api/jobs", "alice:wrong password!!").status()).isEqualTo(401);
            assertThat(Files.exists(home.resolve("server/credentials.json"))).isTrue();
            // an admin creates a token through the API; the secret works at once
            JsonNode t = c.call("POST", "/api/tokens", admin, "{\"name\":\"siem\",\"role\":\"viewer\"}").json();
            assertThat(c.get("/api/rules", t.path("token").asText()).status()).isEqualTo(200);
            assertThat(c.call("DELETE", "/api/tokens/" + t.path("id").asText(), admin, null).status()).isEqualTo(200);
            assertThat(c.get("/api/rules", t.path("token").asText()).status()).as("revoked").isEqualTo(401);
        }
    }

    @Test
    void parametersAndBodiesAreValidatedAndErrorsAreJson(@TempDir Path home) {
        try (ChirpServer s = ChirpServer.start(config(home))) {
            ApiClient c = new ApiClient(s.uri());
            String a = s.firstAdminToken();
            assertThat(c.get("/api/nothing", a).status()).isEqualTo(404);
            assertThat(c.call("PUT", "/api/vms", a, null).status()).isEqualTo(405);
            assertThat(c.get("/api/vms/bad%20name/linux/pslist", a).status()).isEqualTo(400);
            assertThat(c.get("/api/vms/x/linux/pslist?pid=abc", a).status()).isEqualTo(400);
            assertThat(c.get("/api/vms/x/linux/pslist?pid=99999999", a).status()).isEqualTo(400);
            assertThat(c.get("/api/vms/x/linux/pslist?nosuch=1", a).status()).isEqualTo(400);
            assertThat(c.get("/api/vms/x/linux/dmesg?level=9", a).status()).isEqualTo(400);
            assertThat(c.get("/api/events?limit=0", a).status()).isEqualTo(400);
            ApiClient.Answer mode = c.call("POST", "/api/jobs/acquisitions", a, "{\"vm\":\"x\",\"mode\":\"fast\"}");
            assertThat(mode.status()).isEqualTo(400);
            assertThat(mode.json().path("message").asText()).contains("mode");
            assertThat(c.call("POST", "/api/jobs/acquisitions", a, "{\"vm\":\"x\",\"extra\":1}").status()).isEqualTo(400);
            assertThat(c.call("POST", "/api/jobs/acquisitions", a, "[1]").status()).isEqualTo(400);
            assertThat(c.call("POST", "/api/tokens", a, "{\"name\":\"" + "x".repeat(70_000) + "\",\"role\":\"viewer\"}").status())
                    .isEqualTo(413);
            // a VM that is not running: NOT_FOUND, mapped to 404 in one place
            ApiClient.Answer missing = c.get("/api/vms/no-such-vm/linux/pslist", a);
            assertThat(missing.status()).isEqualTo(404);
            assertThat(missing.json().path("error").asText()).isEqualTo("not_found");
        }
    }

    @Test
    void adminsAddAndRemoveRules(@TempDir Path home) {
        try (ChirpServer s = ChirpServer.start(config(home))) {
            ApiClient c = new ApiClient(s.uri());
            String a = s.firstAdminToken();
            String analyst = s.credentials().createToken("an", Role.ANALYST).secret();
            JsonNode doc = c.get("/api/openapi.json", a).json();
            String example = doc.at("/paths/~1api~1rules/post/requestBody/content/application~1json/example").toString();
            int before = c.get("/api/rules", analyst).json().size();
            assertThat(c.call("POST", "/api/rules", analyst, example).status()).isEqualTo(403);
            ApiClient.Answer added = c.call("POST", "/api/rules", a, example);
            assertThat(added.status()).as(added.body()).isEqualTo(201);
            assertThat(c.get("/api/rules", analyst).json().size()).isEqualTo(before + 1);
            assertThat(c.call("POST", "/api/rules", a, example).status()).as("same id twice").isEqualTo(400);
            assertThat(c.call("POST", "/api/rules", a, "{\"yaml\":\"title: x\\ndetection: {}\"}").status()).isEqualTo(400);
            assertThat(c.call("DELETE", "/api/rules/example-web-shell", a, null).status()).isEqualTo(200);
            assertThat(c.call("DELETE", "/api/rules/example-web-shell", a, null).status()).isEqualTo(404);
            assertThat(c.get("/api/rules", analyst).json().size()).isEqualTo(before);
        }
    }

    @Test
    void rulesAreCheckedThroughTheApiAsRulesCheckDoesAndNothingIsAdded(@TempDir Path home) {
        try (ChirpServer s = ChirpServer.start(config(home))) {
            ApiClient c = new ApiClient(s.uri());
            String viewer = s.credentials().createToken("v", Role.VIEWER).secret();
            JsonNode doc = c.get("/api/openapi.json", viewer).json();
            String example = doc.at("/paths/~1api~1rules~1check/post/requestBody/content/application~1json/example").toString();
            int before = c.get("/api/rules", viewer).json().size();
            ApiClient.Answer ok = c.call("POST", "/api/rules/check", viewer, example);
            assertThat(ok.status()).as(ok.body()).isEqualTo(200);
            assertThat(ok.json().path("table").asText()).isEqualTo("rule_checks");
            assertThat(ok.json().path("columns").findValuesAsText("name"))
                    .containsExactlyElementsOf(io.chirp.tables.HostTables.RULE_CHECKS.names(false));
            // the same outcome as chirp rules check's own RuleCheck on the same text
            String yaml = doc.at("/paths/~1api~1rules~1check/post/requestBody/content/application~1json/example/yaml").asText();
            var local = new io.chirp.detect.check.RuleCheck(io.chirp.detect.ocsf.OcsfPipeline.standard())
                    .check(io.chirp.detect.Detector.fromYaml(yaml, "local")).results();
            assertThat(ok.json().path("rows")).hasSize(local.size());
            assertThat(ok.json().path("rows").get(0).path("status").asText()).isEqualTo(local.getFirst().status().name().toLowerCase());
            assertThat(ok.json().path("rows").get(0).path("id").asText()).isEqualTo("example-web-shell");
            ApiClient.Answer bad = c.call("POST", "/api/rules/check", viewer, "{\"yaml\":\"title: x\\nid: broken-one\\ndetection: {}\"}");
            assertThat(bad.status()).as(bad.body()).isEqualTo(200);
            assertThat(bad.json().path("rows").findValuesAsText("status")).containsExactly("invalid");
            assertThat(bad.json().path("rows").get(0).path("reason").asText()).isNotBlank();
            assertThat(c.get("/api/rules", viewer).json().size()).as("checking adds nothing").isEqualTo(before);
            assertThat(c.call("POST", "/api/rules/check", null, example).status()).isEqualTo(401);
        }
    }

    @Test
    void aCaseTimelinePutsItsArtifactsOnOneAxisWithItsVms(@TempDir Path home) throws Exception {
        try (ChirpServer s = ChirpServer.start(config(home))) {
            ApiClient c = new ApiClient(s.uri());
            String analyst = s.credentials().createToken("an", Role.ANALYST).secret();
            var actor = io.chirp.evidence.store.Actor.api("token:an", "127.0.0.1");
            String caseId = s.evidence().cases().create("timeline test", "", actor).id();
            s.evidence().cases().addVm(caseId, "web1", actor);
            java.time.Instant t0 = java.time.Instant.now();
            String id = s.evidence().collect(actor, caseId, folder -> {
                try (io.chirp.evidence.EvidenceWriter w = io.chirp.evidence.EvidenceWriter.create(folder.resolve("passwd"))) {
                    byte[] b = "root:x:0:0::/root:/bin/sh\n".getBytes(java.nio.charset.StandardCharsets.UTF_8);
                    w.write(b, 0, b.length);
                    w.commit(new io.chirp.evidence.EvidenceWriter.Description("file", "FILE",
                            new io.chirp.evidence.EvidenceManifest.Source("db2", "qemu", java.util.Map.of()), "copy", true,
                            List.of(), java.util.Map.of()));
                }
            }).getFirst().id();
            JsonNode tl = c.get("/api/cases/" + caseId + "/timeline", analyst).json();
            assertThat(tl.path("table").asText()).as(tl.toString()).isEqualTo("timeline");
            JsonNode art = null;
            for (JsonNode r : tl.path("rows")) if (r.path("source").asText().equals("artifact")) art = r;
            assertThat(art).as(tl.toString()).isNotNull();
            assertThat(art.path("ref").asText()).isEqualTo(id);
            assertThat(art.path("vm").asText()).isEqualTo("db2");
            assertThat(art.path("timestamp_desc").asText()).isEqualTo("Evidence Collected");
            assertThat(java.time.Instant.parse(art.path("time").asText())).isBetween(t0.minusSeconds(1), java.time.Instant.now());
            assertThat(art.path("message").asText()).contains("passwd", "by token:an", "sha256 ");
            // the case's VMs: its member and the VM of its artifact, in the store's order
            assertThat(io.chirp.tables.Timeline.caseVms(s.evidence(), caseId)).containsExactly("web1", "db2");
            ApiClient.Answer csv = c.get("/api/cases/" + caseId + "/timeline?format=csv", analyst);
            assertThat(csv.body()).startsWith("time,vm,source").contains(",artifact,");
            ApiClient.Answer jsonl = c.get("/api/cases/" + caseId + "/timeline?format=jsonl&sources=artifact", analyst);
            assertThat(jsonl.body().lines().toList()).hasSize(1).allSatisfy(l -> assertThat(l).contains("\"message\"",
                    "\"datetime\"", "\"timestamp_desc\":\"Evidence Collected\""));
            assertThat(c.get("/api/cases/no-such-case/timeline", analyst).status()).isEqualTo(404);
            // a read is audited too: group-committed, and in the log when the log is read
            assertThat(s.audit().records()).anySatisfy(r -> assertThat(r.action()).isEqualTo("api GET /api/cases/{id}/timeline"));
        }
    }

    @Test
    void nonLoopbackBindingWithoutTlsIsRefused(@TempDir Path home) {
        assertThatThrownBy(() -> ChirpServer.start(config(home).withHost("0.0.0.0")))
                .isInstanceOf(ChirpException.class).hasMessageContaining("without TLS")
                .extracting(e -> ((ChirpException) e).kind()).isEqualTo(ChirpException.Kind.USAGE);
        assertThat(Files.exists(home.resolve("server"))).as("refused before anything was created").isFalse();
        assertThat(Tls.checkBinding("127.0.0.1", new Tls.None()).isLoopbackAddress()).isTrue();
        assertThat(Tls.checkBinding("::1", new Tls.None()).isLoopbackAddress()).isTrue();
    }

    @Test
    void failedSignInsAreLimitedPerUserBeforeAnyPasswordIsChecked(@TempDir Path home) {
        try (ChirpServer s = ChirpServer.start(config(home))) {
            ApiClient c = new ApiClient(s.uri());
            s.credentials().addUser("bob", Role.VIEWER, "correct horse battery".toCharArray());
            s.credentials().addUser("carol", Role.VIEWER, "correct horse battery".toCharArray());
            for (int i = 0; i < SignInLimiter.PER_USER; i++) {
                assertThat(c.get("/api/vms", "bob:guess number " + i).status()).isEqualTo(401);
            }
            ApiClient.Answer limited = c.get("/api/vms", "bob:correct horse battery");
            assertThat(limited.status()).as("even the right password, once the user is locked").isEqualTo(429);
            assertThat(limited.json().path("error").asText()).isEqualTo("too_many_attempts");
            // the console's sign-in shares the count
            assertThat(c.call("POST", "/api/session", null, "{\"user\":\"bob\",\"password\":\"correct horse battery\"}")
                    .status()).isEqualTo(429);
            // another user from the same address is not locked out by bob's failures
            assertThat(c.get("/api/vms", "carol:correct horse battery").status()).isEqualTo(200);
        }
    }

    @Test
    void apiJsonEscapesC1AndBidiControlsFromTheRequest(@TempDir Path home) {
        try (ChirpServer s = ChirpServer.start(config(home))) {
            // the refusal echoes the decoded parameter name: 8-bit CSI, RLO and DEL must arrive as escapes
            ApiClient.Answer a = new ApiClient(s.uri()).get("/api/vms?x%C2%9B2J%E2%80%AEgnp%7F=1", s.firstAdminToken());
            assertThat(a.status()).as(a.body()).isEqualTo(400);
            assertThat(a.body()).contains("\\u009b2J", "\\u202egnp\\u007f").doesNotContain("\u009b", "\u202e", "\u007f");
        }
    }
}
