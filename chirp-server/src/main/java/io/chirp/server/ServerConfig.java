package io.chirp.server;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * How to run the server.
 *
 * @param host           address to listen on (loopback unless TLS is configured)
 * @param port           TCP port, 0 for any free one
 * @param home           CHIRP_HOME: the event store ({@code events.db}) and the server's folder ({@code server/})
 * @param tls            TLS key and certificate, or {@link Tls.None}
 * @param vms            VMs to watch (empty: every QEMU VM of the host, new ones too)
 * @param interval       monitor poll interval
 * @param trace          also trace kernel events with hypervisor breakpoints
 * @param integrityEvery run the integrity checks every N polls (0: never)
 * @param rules          extra Sigma rules, or null
 * @param shippedRules   use CHIRP's shipped rules
 * @param store          the event store: null for the embedded file ({@link #storeFile()}), or a
 *                       {@code postgresql://} location (a fleet's central store)
 */
public record ServerConfig(String host, int port, Path home, Tls tls, List<String> vms, Duration interval, boolean trace,
                           int integrityEvery, Path rules, boolean shippedRules, String store) {
    /** The default port of {@code chirp serve}. */
    public static final int DEFAULT_PORT = 8470;

    public ServerConfig {
        vms = List.copyOf(vms);
        if (port < 0 || port > 65535) throw new IllegalArgumentException("port " + port);
    }

    /** {@return loopback, the default port, the given home, watching every VM every second} */
    public static ServerConfig defaults(Path home) {
        return new ServerConfig("127.0.0.1", DEFAULT_PORT, home, new Tls.None(), List.of(), Duration.ofSeconds(1), false,
                5, null, true, null);
    }

    public ServerConfig withPort(int p) { return new ServerConfig(host, p, home, tls, vms, interval, trace, integrityEvery, rules, shippedRules, store); }

    public ServerConfig withHost(String h) { return new ServerConfig(h, port, home, tls, vms, interval, trace, integrityEvery, rules, shippedRules, store); }

    public ServerConfig withTls(Tls t) { return new ServerConfig(host, port, home, t, vms, interval, trace, integrityEvery, rules, shippedRules, store); }

    public ServerConfig withVms(List<String> v) { return new ServerConfig(host, port, home, tls, v, interval, trace, integrityEvery, rules, shippedRules, store); }

    public ServerConfig withInterval(Duration d) { return new ServerConfig(host, port, home, tls, vms, d, trace, integrityEvery, rules, shippedRules, store); }

    public ServerConfig withStore(String s) { return new ServerConfig(host, port, home, tls, vms, interval, trace, integrityEvery, rules, shippedRules, s); }

    /** {@return where the event store is: the {@link #store} location, else the embedded file} */
    public String storeLocation() { return store != null ? store : storeFile().toString(); }

    /** {@return the server's own owner-only folder} */
    public Path serverDir() { return home.resolve("server"); }

    /** {@return the evidence store's folder ({@code evidence/} of the home, as the CLI's {@code --store} uses)} */
    public Path evidenceDir() { return home.resolve("evidence"); }

    /** {@return the event store file} */
    public Path storeFile() { return home.resolve("events.db"); }

    /**
     * {@return the audit log's file: a custody log of its own, because a second writing connection to the event
     * store's file would wait for the store's write lock (sqlite-jdbc holds it between transactions)}
     */
    public Path auditFile() { return serverDir().resolve("audit.db"); }

    /** {@return the credentials file} */
    public Path credentialsFile() { return serverDir().resolve("credentials.json"); }
}
