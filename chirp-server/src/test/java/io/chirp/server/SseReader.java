package io.chirp.server;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/** Reads a live SSE stream from the server over real HTTP, collecting its messages. */
final class SseReader implements AutoCloseable {
    record Message(String event, String data) {
        JsonNode json() {
            try {
                return ApiClient.JSON.readTree(data);
            } catch (IOException e) {
                throw new AssertionError(data, e);
            }
        }
    }

    final List<Message> messages = new CopyOnWriteArrayList<>();
    final int status;
    private final InputStream in;

    SseReader(ApiClient c, String path, String token) throws Exception {
        HttpRequest req = HttpRequest.newBuilder(c.base.resolve(path)).header("Authorization", "Bearer " + token).build();
        HttpResponse<InputStream> r = c.http.send(req, HttpResponse.BodyHandlers.ofInputStream());
        status = r.statusCode();
        in = r.body();
        Thread.ofVirtual().start(() -> {
            try (BufferedReader br = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String event = null;
                StringBuilder data = new StringBuilder();
                for (String line; (line = br.readLine()) != null; ) {
                    if (line.isEmpty()) {
                        if (event != null) messages.add(new Message(event, data.toString()));
                        event = null;
                        data.setLength(0);
                    } else if (line.startsWith("event: ")) event = line.substring(7);
                    else if (line.startsWith("data: ")) data.append(line.substring(6));
                }
            } catch (IOException e) {
                // closed by the test, or by the server
            }
        });
    }

    Message await(Predicate<Message> p, Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (System.nanoTime() < deadline) {
            for (Message m : messages) if (p.test(m)) return m;
            Thread.sleep(200);
        }
        throw new AssertionError("no such stream message within " + within + "; got " + messages.size() + " messages: "
                + messages.stream().map(m -> m.event() + " " + m.data().substring(0, Math.min(120, m.data().length()))).toList());
    }

    @Override public void close() throws IOException { in.close(); }
}
