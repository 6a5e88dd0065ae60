package io.chirp.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Real HTTP calls to a running server over loopback, with java.net.http. */
final class ApiClient {
    static final ObjectMapper JSON = new ObjectMapper();
    final HttpClient http;
    final URI base;

    ApiClient(URI base) { this(base, HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build()); }

    ApiClient(URI base, HttpClient http) {
        this.base = base;
        this.http = http;
    }

    record Answer(int status, String body, HttpResponse<String> response) {
        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON (" + status + "): " + body, e);
            }
        }
    }

    Answer call(String method, String pathAndQuery, String token, String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(pathAndQuery)).timeout(Duration.ofSeconds(300));
        if (token != null) b.header("Authorization", token.contains(":") ? "Basic " + java.util.Base64.getEncoder()
                .encodeToString(token.getBytes(java.nio.charset.StandardCharsets.UTF_8)) : "Bearer " + token);
        if (body != null) b.header("Content-Type", "application/json");
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        try {
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Answer(r.statusCode(), r.body(), r);
        } catch (IOException e) {
            throw new AssertionError(method + " " + pathAndQuery + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    Answer get(String path, String token) { return call("GET", path, token, null); }

    /** {@return the job's JSON once it is no longer running}; fails after five minutes */
    JsonNode awaitJob(String id, String token) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode j = get("/api/jobs/" + id, token).json();
            if (!j.path("state").asText().equals("running")) return j;
            Thread.sleep(250);
        }
        throw new AssertionError("job " + id + " still running");
    }
}
