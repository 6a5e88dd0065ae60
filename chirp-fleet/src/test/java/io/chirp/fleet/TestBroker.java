package io.chirp.fleet;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * A real KRaft Kafka broker (single node, or one node of a cluster: {@link #startCluster}; plain, SCRAM, or TLS with
 * a test CA: {@link #startTls}) from the Maven artifacts, run as a child JVM on 127.0.0.1 so a test can
 * kill it ({@link #kill}) and start it again on the same port and log folder ({@link #start}) - the broker's own
 * recovery, not a simulation of it. The broker's log is {@code broker.log} in its folder.
 */
public final class TestBroker implements AutoCloseable {
    private final Path dir;
    private final int port;
    private final int controllerPort;
    private final Map<String, String> scramUsers;
    private final TestCa ca;
    private final int sslPort;
    private Process process;

    private TestBroker(Path dir, Map<String, String> scramUsers) throws IOException {
        this(dir, scramUsers, null, 1, null, freePort(), freePort(), Uuid.randomUuid().toString(), 1);
    }

    /**
     * One node (broker and controller) of a cluster of {@code replication} nodes.
     *
     * @param ca     with a CA: an SSL listener (mutual TLS, client certificates required) and a SASL_SSL listener
     *               (SCRAM inside TLS) instead of the plain one; brokers talk to each other over mutual TLS
     * @param voters the controller quorum ({@code id@host:port,...}), or null for this node alone
     */
    private TestBroker(Path dir, Map<String, String> scramUsers, TestCa ca, int nodeId, String voters, int port, int controllerPort,
                       String clusterId, int replication) throws IOException {
        this.scramUsers = scramUsers;
        this.ca = ca;
        this.dir = dir;
        this.port = port;
        this.controllerPort = controllerPort;
        this.sslPort = ca == null ? -1 : freePort();
        Files.createDirectories(dir.resolve("logs"));
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", Integer.toString(nodeId));
        p.put("controller.quorum.voters", voters != null ? voters : nodeId + "@127.0.0.1:" + controllerPort);
        String client = ca != null ? "SSL" : scramUsers.isEmpty() ? "PLAINTEXT" : "SASL_PLAINTEXT";
        String listeners = client + "://127.0.0.1:" + port + (ca != null ? ",SASL_SSL://127.0.0.1:" + sslPort : "");
        p.put("listeners", listeners + ",CONTROLLER://127.0.0.1:" + controllerPort);
        p.put("advertised.listeners", listeners);
        p.put("controller.listener.names", "CONTROLLER");
        p.put("inter.broker.listener.name", client);
        p.put("listener.security.protocol.map", client + ":" + client + (ca != null ? ",SASL_SSL:SASL_SSL" : "") + ",CONTROLLER:PLAINTEXT");
        if (ca != null) {
            try {
                p.put("ssl.keystore.location", ca.keyStore("broker").toString());
            } catch (Exception e) {
                throw new IOException("cannot make the broker's certificate", e);
            }
            p.put("ssl.keystore.password", TestCa.PASSWORD);
            p.put("ssl.key.password", TestCa.PASSWORD);
            p.put("ssl.keystore.type", "PKCS12");
            p.put("ssl.truststore.location", ca.trustStore().toString());
            p.put("ssl.truststore.password", TestCa.PASSWORD);
            p.put("ssl.truststore.type", "PKCS12");
            p.put("listener.name.ssl.ssl.client.auth", "required"); // mutual TLS: no certificate, no connection
            p.put("ssl.principal.mapping.rules", "RULE:^CN=([^,]+)$/$1/,DEFAULT"); // CN=hv-1 is User:hv-1
            p.put("ssl.endpoint.identification.algorithm", "https");
        }
        if (!scramUsers.isEmpty()) {
            // SCRAM for clients (and between brokers without TLS); "admin" the only super user
            String listener = ca != null ? "sasl_ssl" : "sasl_plaintext";
            p.put("sasl.enabled.mechanisms", "SCRAM-SHA-512");
            if (ca == null) p.put("sasl.mechanism.inter.broker.protocol", "SCRAM-SHA-512");
            p.put("listener.name." + listener + ".scram-sha-512.sasl.jaas.config",
                    "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"admin\" password=\""
                            + scramUsers.get("admin") + "\";");
        }
        if (!scramUsers.isEmpty() && ca == null) {
            p.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
            p.put("super.users", "User:admin;User:ANONYMOUS"); // ANONYMOUS: the controller listener, loopback only
            p.put("allow.everyone.if.no.acl.found", "false");
        }
        p.put("log.dirs", dir.resolve("logs").toString());
        String rf = Integer.toString(replication), isr = replication >= 3 ? "2" : "1";
        p.put("offsets.topic.replication.factor", rf);
        p.put("offsets.topic.num.partitions", "3");
        p.put("transaction.state.log.replication.factor", rf);
        p.put("transaction.state.log.min.isr", isr);
        p.put("transaction.state.log.num.partitions", "3");
        p.put("share.coordinator.state.topic.replication.factor", rf);
        p.put("share.coordinator.state.topic.min.isr", isr);
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("num.partitions", "1");
        p.put("auto.create.topics.enable", "false");
        try (var w = Files.newBufferedWriter(dir.resolve("server.properties"))) {
            p.store(w, "CHIRP test broker");
        }
        List<String> format = new ArrayList<>(List.of("kafka.tools.StorageTool", "format", "-t", clusterId, "-c",
                dir.resolve("server.properties").toString()));
        for (Map.Entry<String, String> u : scramUsers.entrySet()) {
            format.add("--add-scram");
            format.add("SCRAM-SHA-512=[name=" + u.getKey() + ",password=" + u.getValue() + "]");
        }
        run(format, Duration.ofSeconds(120));
    }

    /** {@return a formatted, started broker in {@code dir}} */
    public static TestBroker start(Path dir) throws Exception {
        TestBroker b = new TestBroker(dir, Map.of());
        b.start();
        return b;
    }

    /**
     * {@return a started broker that accepts only SASL/SCRAM-SHA-512 clients, with these users (one must be
     * {@code admin}, the super user) and ACLs enforced}
     */
    public static TestBroker startScram(Path dir, Map<String, String> users) throws Exception {
        if (!users.containsKey("admin")) throw new IllegalArgumentException("an admin user is needed");
        TestBroker b = new TestBroker(dir, Map.copyOf(users));
        b.start();
        return b;
    }

    /**
     * {@return a started broker that accepts only TLS clients, signed by {@code ca}: mutual TLS on {@link #bootstrap()}
     * (client certificate required, its CN the Kafka user), SCRAM with these users inside TLS on {@link #saslSslBootstrap()}}
     */
    public static TestBroker startTls(Path dir, TestCa ca, Map<String, String> users) throws Exception {
        if (!users.containsKey("admin")) throw new IllegalArgumentException("an admin user is needed");
        TestBroker b = new TestBroker(dir, Map.copyOf(users), ca, 1, null, freePort(), freePort(), Uuid.randomUuid().toString(), 1);
        b.start();
        return b;
    }

    /**
     * {@return {@code n} formatted, started brokers (each also a controller) forming one cluster, in {@code dir}/node-N}:
     * replication factor {@code n} for the internal topics, min.insync.replicas 2 from 3 on
     */
    public static List<TestBroker> startCluster(Path dir, int n) throws Exception {
        List<int[]> ports = new ArrayList<>();
        StringBuilder voters = new StringBuilder();
        for (int i = 1; i <= n; i++) {
            int[] pp = {freePort(), freePort()};
            ports.add(pp);
            voters.append(voters.isEmpty() ? "" : ",").append(i).append("@127.0.0.1:").append(pp[1]);
        }
        String cluster = Uuid.randomUuid().toString();
        List<TestBroker> nodes = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            nodes.add(new TestBroker(dir.resolve("node-" + i), Map.of(), null, i, voters.toString(), ports.get(i - 1)[0],
                    ports.get(i - 1)[1], cluster, n));
        }
        for (TestBroker b : nodes) b.launch(); // all at once: a controller quorum forms only with a majority up
        for (TestBroker b : nodes) b.awaitReady(Duration.ofSeconds(180));
        return nodes;
    }

    /** {@return the SASL_SSL listener's host:port (TLS brokers only)} */
    public String saslSslBootstrap() { return "127.0.0.1:" + sslPort; }

    /** {@return admin client settings (for ACLs and topics)} */
    public Properties adminConfig() {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        if (ca != null) {
            try {
                new KafkaAuth.Tls(null, ca.trustStore(), ca.keyStore("admin"), TestCa.PASSWORD).configure(p);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        } else if (!scramUsers.isEmpty()) {
            new KafkaAuth.Scram("admin", scramUsers.get("admin")).configure(p);
        }
        return p;
    }

    /** {@return host:port to give clients} */
    public String bootstrap() { return "127.0.0.1:" + port; }

    /** Starts the broker (again) and waits until it answers. */
    public synchronized void start() throws Exception {
        if (process != null && process.isAlive()) return;
        launch();
        awaitReady(Duration.ofSeconds(120));
    }

    private synchronized void launch() throws IOException {
        if (process != null && process.isAlive()) return;
        process = java(List.of("kafka.Kafka", dir.resolve("server.properties").toString()), dir.resolve("broker.log"));
    }

    /** Stops the broker cleanly (SIGTERM: controlled shutdown, leadership handed over). */
    public synchronized void stop() throws InterruptedException {
        if (process == null) return;
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) kill();
    }

    /** Kills the broker outright (SIGKILL): no controlled shutdown. */
    public synchronized void kill() throws InterruptedException {
        if (process == null) return;
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    private void awaitReady(Duration max) throws Exception {
        long end = System.nanoTime() + max.toNanos();
        Properties p = adminConfig();
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 3000);
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5000);
        try (Admin a = Admin.create(p)) {
            while (System.nanoTime() < end) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("the test broker exited: " + tail(dir.resolve("broker.log")));
                }
                try {
                    a.describeCluster().nodes().get(5, TimeUnit.SECONDS);
                    a.listTopics().names().get(5, TimeUnit.SECONDS);
                    return;
                } catch (Exception notYet) {
                    Thread.sleep(300);
                }
            }
        }
        throw new IllegalStateException("the test broker did not answer in " + max + ": " + tail(dir.resolve("broker.log")));
    }

    private void run(List<String> args, Duration max) throws IOException {
        Process p = java(args, dir.resolve("format.log"));
        try {
            if (!p.waitFor(max.toSeconds(), TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IOException("formatting the broker's storage failed: " + tail(dir.resolve("format.log")));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private static Process java(List<String> mainAndArgs, Path log) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx384m");
        cmd.add("-XX:+UseSerialGC");
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.add("-cp");
        cmd.add(classPath());
        cmd.addAll(mainAndArgs);
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    /** {@return the test class path (surefire and failsafe hand it over in a property; the JVM's own is a jar of jars)} */
    public static String classPath() {
        String cp = System.getProperty("surefire.test.class.path");
        if (cp == null || cp.isBlank()) cp = System.getProperty("java.class.path");
        return String.join(File.pathSeparator, cp.split(File.pathSeparator));
    }

    static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Override public void close() throws InterruptedException { kill(); }
}
