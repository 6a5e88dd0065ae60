package io.chirp.cli;

import io.chirp.core.ChirpException;
import io.chirp.events.store.StoreDatabase;
import io.chirp.server.ChirpServer;
import io.chirp.server.Credentials;
import io.chirp.server.Role;
import io.chirp.server.ServerConfig;
import io.chirp.server.Tls;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code chirp serve}: the platform in one process (monitor, event store, detection) behind a REST API with an
 * OpenAPI document at /api/openapi.json and a live event stream at /api/stream. Its subcommands manage the users
 * and tokens of that server, offline, in the same owner-only credentials file (a running server picks changes up).
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Run CHIRP as a server: watch VMs, keep the event store, detect, and serve the REST API.",
                "Listens on 127.0.0.1 unless TLS is configured. The first start prints an admin token once."},
        subcommands = {ServeCommand.Users.class, ServeCommand.Tokens.class})
final class ServeCommand implements Callable<Integer> {
    @Option(names = "--bind", defaultValue = "127.0.0.1", paramLabel = "ADDR",
            description = "address to listen on (default ${DEFAULT-VALUE}; any other than loopback needs TLS)") String bind;
    @Option(names = "--port", defaultValue = "" + ServerConfig.DEFAULT_PORT, paramLabel = "N",
            description = "TCP port (default ${DEFAULT-VALUE}; 0 for any free port)") int port;
    @Option(names = "--vm", paramLabel = "NAME", description = "VMs to watch (repeatable; default: every QEMU VM, new ones too)")
    List<String> vms = new ArrayList<>();
    @Option(names = "--connect", paramLabel = "URI", description = "the libvirt daemon whose domains libvirt:NAME names in"
            + " routes, jobs and --vm (default: LIBVIRT_DEFAULT_URI, else qemu:///system)") String connect;
    @Option(names = "--interval", defaultValue = "1s", description = "monitor poll interval (default ${DEFAULT-VALUE})")
    String interval;
    @Option(names = "--trace", description = "also trace exec/exit/module load/connect with hypervisor breakpoints")
    boolean trace;
    @Option(names = "--integrity-every", defaultValue = "5", description = "run integrity checks every N polls (0: never)")
    int integrityEvery;
    @Option(names = "--rules", paramLabel = "DIR", description = "more Sigma rules, added to CHIRP's shipped ones; *.response.yml files there are response "
            + "rules (automatic evidence on alerts, docs/response-rules.md)") Path rules;
    @Option(names = "--no-shipped-rules", description = "use only the rules from --rules") boolean noShipped;
    @ArgGroup(exclusive = true) TlsOptions tls;
    @Option(names = "--kafka", paramLabel = "BOOTSTRAP",
            description = "also take in a fleet: consume the sensors' topics from these Kafka brokers (host:port,...)") String kafka;
    @Option(names = "--kafka-topic-prefix", defaultValue = "chirp", paramLabel = "PREFIX",
            description = "fleet topic prefix (default ${DEFAULT-VALUE}: chirp.events, chirp.heartbeats)") String topicPrefix;
    @Option(names = "--kafka-group", defaultValue = "chirp-serve", paramLabel = "GROUP",
            description = "consumer group; servers in one group share the fleet (default ${DEFAULT-VALUE})") String group;
    @Option(names = "--lost-after", defaultValue = "5s", paramLabel = "TIME",
            description = "a sensor host without heartbeats for this long is shown lost (default ${DEFAULT-VALUE})") String lostAfter;
    @Option(names = "--no-local-monitor",
            description = "with --kafka: do not watch this host's own VMs (the sensors do)") boolean noLocalMonitor;
    @Option(names = "--sigma-central",
            description = "with --kafka: run the Sigma rules on the sensors' events here, as one member of the detection"
                    + " group GROUP-detect (for sensors started with --sigma central; more servers share the work)")
    boolean sigmaCentral;
    @Option(names = "--store", paramLabel = "LOCATION",
            description = "keep events in this PostgreSQL database, postgresql://host:port/db?user=NAME (password from PGPASSWORD),"
                    + " instead of the embedded CHIRP_HOME/events.db: a fleet's central store") String store;
    @picocli.CommandLine.Mixin KafkaAuthOptions kafkaAuth = new KafkaAuthOptions();
    @Option(names = "--duration", paramLabel = "TIME", description = "stop after this long (default: until Ctrl-C)") String duration;
    @Spec CommandSpec spec;

    /** One way to get a TLS key. */
    static final class TlsOptions {
        @Option(names = "--tls-generate", description = "generate a self-signed certificate at first start (kept under CHIRP_HOME/server/tls)")
        boolean generate;
        @ArgGroup(exclusive = false) Pkcs12 pkcs12;
        @ArgGroup(exclusive = false) Pem pem;
    }

    static final class Pkcs12 {
        @Option(names = "--tls-keystore", required = true, paramLabel = "FILE", description = "PKCS#12 file with the key and certificate")
        Path file;
        @Option(names = "--tls-password-file", required = true, paramLabel = "FILE", description = "file holding the PKCS#12 password")
        Path password;
    }

    static final class Pem {
        @Option(names = "--tls-cert", required = true, paramLabel = "FILE", description = "PEM certificate chain") Path cert;
        @Option(names = "--tls-key", required = true, paramLabel = "FILE", description = "PEM PKCS#8 private key (unencrypted)")
        Path key;
    }

    static Path home() { return StoreDatabase.defaultPath().getParent(); }

    @Override public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        // one daemon for the whole server: every route, job and response names its domains as libvirt:NAME
        if (connect != null) System.setProperty(io.chirp.libvirt.LibvirtBackend.URI_PROPERTY, connect);
        ServerConfig cfg = new ServerConfig(bind, port, home(), tls(), vms, Durations.parse(interval), trace, integrityEvery,
                rules, !noShipped, store);
        if (store != null && !StoreDatabase.isPostgresql(store)) {
            throw ChirpException.usage("--store takes a postgresql://host:port/db?user=... location (the embedded store is CHIRP_HOME/events.db)");
        }
        CountDownLatch stopped = new CountDownLatch(1);
        ChirpServer.FleetOptions fleet = null;
        if (kafka != null) {
            fleet = new ChirpServer.FleetOptions(new io.chirp.fleet.FleetTopics(kafka, topicPrefix, 6, (short) 1, kafkaAuth.auth()), group,
                    Durations.parse(lostAfter), !noLocalMonitor, sigmaCentral);
        } else if (noLocalMonitor) {
            throw ChirpException.usage("--no-local-monitor needs --kafka (else the server would watch nothing)");
        } else if (sigmaCentral) {
            throw ChirpException.usage("--sigma-central needs --kafka (it evaluates the sensors' events)");
        }
        ChirpServer server = ChirpServer.start(cfg, fleet);
        Thread hook = new Thread(() -> {
            server.close();
            stopped.countDown();
        });
        Runtime.getRuntime().addShutdownHook(hook);
        out.printf("chirp serve listening on %s (web console: %s/, OpenAPI: %s/api/openapi.json)%n", server.uri(), server.uri(), server.uri());
        if (server.fingerprint() != null) out.printf("TLS certificate SHA-256 fingerprint: %s%n", server.fingerprint());
        if (server.firstAdminToken() != null) {
            out.println("first start: an admin token was created. It is shown only now and stored only hashed:");
            out.println("  " + server.firstAdminToken());
        }
        out.flush();
        if (fleet == null || fleet.localMonitor()) {
            err.printf("watching %s every %s%s; Ctrl-C to stop%n", vms.isEmpty() ? "all VMs" : String.join(", ", vms), interval,
                    trace ? " + tracing" : "");
        }
        if (fleet != null) {
            err.printf("taking in the fleet from Kafka at %s (group %s); sensors take commands signed with the key in %s"
                    + " (give them --server-key); Ctrl-C to stop%n", kafka, group, cfg.serverDir().resolve(io.chirp.fleet.CommandKeys.PUBLIC));
        }
        err.flush();
        if (duration != null) {
            Thread.sleep(Durations.parse(duration));
            Runtime.getRuntime().removeShutdownHook(hook);
            hook.run();
        }
        stopped.await();
        return 0;
    }

    private Tls tls() throws java.io.IOException {
        if (tls == null) return new Tls.None();
        if (tls.generate) return new Tls.Generated(home().resolve("server").resolve("tls"), bind.equals("0.0.0.0") ? List.of() : List.of(bind));
        if (tls.pkcs12 != null) {
            return new Tls.Pkcs12(tls.pkcs12.file, Files.readString(tls.pkcs12.password).strip().toCharArray());
        }
        return new Tls.Pem(tls.pem.cert, tls.pem.key);
    }

    private static Credentials credentials() {
        return Credentials.open(home().resolve("server").resolve("credentials.json"));
    }

    /** {@code chirp serve users add|list}. */
    @Command(name = "users", mixinStandardHelpOptions = true, description = "Users who sign in with a password (HTTP Basic).",
            subcommands = {Users.Add.class, Users.ListUsers.class})
    static final class Users implements Runnable {
        @Spec CommandSpec spec;

        @Override public void run() { spec.commandLine().usage(spec.commandLine().getOut()); }

        @Command(name = "add", mixinStandardHelpOptions = true,
                description = "Add a user; the password is read from the terminal (or one line of stdin) and stored as a bcrypt hash.")
        static final class Add implements Callable<Integer> {
            @Parameters(paramLabel = "NAME", description = "user name") String name;
            @Option(names = "--role", required = true, description = "viewer, analyst or admin") String role;
            @Spec CommandSpec spec;

            @Override public Integer call() throws Exception {
                char[] pw;
                if (System.console() != null) {
                    pw = System.console().readPassword("password for %s (12-72 characters): ", name);
                } else {
                    String line = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
                    if (line == null) throw ChirpException.usage("no password on stdin");
                    pw = line.toCharArray();
                }
                Credentials.User u = credentials().addUser(name, Role.parse(role), pw);
                java.util.Arrays.fill(pw, '\0');
                spec.commandLine().getOut().printf("added %s (%s)%n", u.name(), u.role().label());
                spec.commandLine().getOut().flush();
                return 0;
            }
        }

        @Command(name = "list", mixinStandardHelpOptions = true, description = "List users.")
        static final class ListUsers implements Callable<Integer> {
            @Option(names = "--format", defaultValue = "table", description = "table, json or csv") Table.Format format;
            @Spec CommandSpec spec;

            @Override public Integer call() {
                Table t = new Table("name", "role", "created");
                for (Credentials.User u : credentials().users()) t.row(u.name(), u.role().label(), u.created().toString());
                t.print(spec.commandLine().getOut(), format);
                return 0;
            }
        }
    }

    /** {@code chirp serve tokens create|list|revoke}. */
    @Command(name = "tokens", mixinStandardHelpOptions = true, description = "API tokens (HTTP Bearer).",
            subcommands = {Tokens.Create.class, Tokens.ListTokens.class, Tokens.Revoke.class})
    static final class Tokens implements Runnable {
        @Spec CommandSpec spec;

        @Override public void run() { spec.commandLine().usage(spec.commandLine().getOut()); }

        @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a token and print its secret (once).")
        static final class Create implements Callable<Integer> {
            @Parameters(paramLabel = "NAME", description = "what the token is for") String name;
            @Option(names = "--role", required = true, description = "viewer, analyst or admin") String role;
            @Spec CommandSpec spec;

            @Override public Integer call() {
                Credentials.NewToken t = credentials().createToken(name, Role.parse(role));
                PrintWriter out = spec.commandLine().getOut();
                out.println(t.secret());
                out.flush();
                spec.commandLine().getErr().printf("token %s (%s, id %s): shown only now, stored only hashed%n",
                        t.token().name(), t.token().role().label(), t.token().id());
                spec.commandLine().getErr().flush();
                return 0;
            }
        }

        @Command(name = "list", mixinStandardHelpOptions = true, description = "List tokens (never their secrets).")
        static final class ListTokens implements Callable<Integer> {
            @Option(names = "--format", defaultValue = "table", description = "table, json or csv") Table.Format format;
            @Spec CommandSpec spec;

            @Override public Integer call() {
                Table t = new Table("id", "name", "role", "created");
                for (Credentials.Token k : credentials().tokens()) t.row(k.id(), k.name(), k.role().label(), k.created().toString());
                t.print(spec.commandLine().getOut(), format);
                return 0;
            }
        }

        @Command(name = "revoke", mixinStandardHelpOptions = true, description = "Revoke a token by its id.")
        static final class Revoke implements Callable<Integer> {
            @Parameters(paramLabel = "ID", description = "the token id (see: chirp serve tokens list)") String id;
            @Spec CommandSpec spec;

            @Override public Integer call() {
                if (!credentials().revokeToken(id)) throw ChirpException.notFound("no such token: " + id);
                spec.commandLine().getOut().println("revoked " + id);
                spec.commandLine().getOut().flush();
                return 0;
            }
        }
    }

}
