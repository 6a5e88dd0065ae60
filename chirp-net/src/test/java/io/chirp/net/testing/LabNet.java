package io.chirp.net.testing;

import com.sun.net.httpserver.HttpServer;
import io.chirp.lab.Lab;
import io.chirp.lab.LabGuest;
import io.chirp.lab.Scenario;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A lab guest whose only way out is one guestfwd rule to an HTTP server this test runs on 127.0.0.1; the guest
 * reaches it at {@code 10.0.2.100:8000}. Nothing leaves the host.
 */
public final class LabNet implements AutoCloseable {
    public static final String BODY = "hello-from-chirp-net-test";
    public static final String SERVER = Scenario.HOST_ALIAS;
    public static final int SERVER_PORT = 8000;
    /** Generous: the guest runs under TCG on a host shared with other builds. */
    public static final Duration SHELL_TIMEOUT = Duration.ofSeconds(180);

    private final HttpServer http;
    /** When the host's server got each request (by path and query), by the host's clock. */
    private final java.util.Map<String, java.time.Instant> received = new java.util.concurrent.ConcurrentHashMap<>();
    private final LabGuest guest;

    public LabNet() throws IOException {
        http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        http.createContext("/", ex -> {
            received.putIfAbsent(ex.getRequestURI().toString(), java.time.Instant.now());
            byte[] body = BODY.getBytes(StandardCharsets.US_ASCII);
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream o = ex.getResponseBody()) {
                o.write(body);
            }
        });
        http.start();
        LabGuest g;
        try {
            g = Lab.fromEnvironment().boot(Lab.Options.defaults()
                    .withScenario(Scenario.named("net").connectToHost(http.getAddress().getPort())));
        } catch (RuntimeException e) {
            http.stop(0);
            throw e;
        }
        guest = g;
        guest.shell("true", SHELL_TIMEOUT); // the first command after boot can be slow; don't bill it to a test
    }

    public LabGuest guest() { return guest; }

    /** {@return when the host's server first got a request for {@code pathAndQuery}, by the host's clock} */
    public java.util.Optional<java.time.Instant> received(String pathAndQuery) {
        return java.util.Optional.ofNullable(received.get(pathAndQuery));
    }

    /**
     * Makes the guest fetch {@code path} with Host {@code host} over plain HTTP (busybox nc); {@return its output}.
     * nc writes to a file, not the console: with its output on the serial console the shell never came back.
     */
    public String httpGet(String path, String host) {
        return guest.shell("printf 'GET " + path + " HTTP/1.1\\r\\nHost: " + host + "\\r\\nConnection: close\\r\\n\\r\\n' | timeout 30 nc "
                + SERVER + " " + SERVER_PORT + " >/tmp/chirp-http.out 2>&1; cat /tmp/chirp-http.out; echo", SHELL_TIMEOUT);
    }

    /**
     * Makes the guest resolve {@code name} with busybox nslookup against 10.0.2.100: real DNS queries over UDP
     * (busybox nc has no UDP). Nothing answers (guestfwd is TCP only), but the queries are on the wire.
     */
    public void dnsLookup(String name) {
        guest.shell("timeout 5 nslookup " + name + " " + SERVER + " >/tmp/chirp-dns.out 2>&1; true", SHELL_TIMEOUT);
    }

    @Override
    public void close() {
        try {
            guest.close();
        } finally {
            http.stop(0);
        }
    }
}
