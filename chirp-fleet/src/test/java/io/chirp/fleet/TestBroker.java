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
 * A real single-node KRaft Kafka broker from the Maven artifacts, run as a child JVM on 127.0.0.1 so a test can
 * kill it ({@link #kill}) and start it again on the same port and log folder ({@link #start}) - the broker's own
 * recovery, not a simulation of it. The broker's log is {@code broker.log} in its folder.
 */
public final class TestBroker implements AutoCloseable {
    private final Path dir;
    private final int port;
    private final int controllerPort;
    private final Map<String, String> scramUsers;
    private Process process;

    private TestBroker(Path dir, Map<String, String> scramUsers) throws IOException {
        this.scramUsers = scramUsers;
        this.dir = dir;
        this.port = freePort();
        this.controllerPort = freePort();
        Files.createDirectories(dir.resolve("logs"));
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", "1");
        p.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        String client = scramUsers.isEmpty() ? "PLAINTEXT" : "SASL_PLAINTEXT";
        p.put("listeners", client + "://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
        p.put("advertised.listeners", client + "://127.0.0.1:" + port);
        p.put("controller.listener.names", "CONTROLLER");
        p.put("inter.broker.listener.name", client);
        p.put("listener.security.protocol.map", client + ":" + client + ",CONTROLLER:PLAINTEXT");
        if (!scramUsers.isEmpty()) {
            // SCRAM for clients and between brokers; ACLs enforced, "admin" the only super user
            p.put("sasl.enabled.mechanisms", "SCRAM-SHA-512");
            p.put("sasl.mechanism.inter.broker.protocol", "SCRAM-SHA-512");
            p.put("listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config",
                    "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"admin\" password=\""
                            + scramUsers.get("admin") + "\";");
            p.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
            p.put("super.users", "User:admin;User:ANONYMOUS"); // ANONYMOUS: the controller listener, loopback only
            p.put("allow.everyone.if.no.acl.found", "false");
        }
        p.put("log.dirs", dir.resolve("logs").toString());
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "3");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("num.partitions", "1");
        p.put("auto.create.topics.enable", "false");
        try (var w = Files.newBufferedWriter(dir.resolve("server.properties"))) {
            p.store(w, "CHIRP test broker");
        }
        List<String> format = new ArrayList<>(List.of("kafka.tools.StorageTool", "format", "-t", Uuid.randomUuid().toString(), "-c",
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

    /** {@return admin client settings (for ACLs and topics)} */
    public Properties adminConfig() {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        if (!scramUsers.isEmpty()) new KafkaAuth.Scram("admin", scramUsers.get("admin")).configure(p);
        return p;
    }

    /** {@return host:port to give clients} */
    public String bootstrap() { return "127.0.0.1:" + port; }

    /** Starts the broker (again) and waits until it answers. */
    public synchronized void start() throws Exception {
        if (process != null && process.isAlive()) return;
        process = java(List.of("kafka.Kafka", dir.resolve("server.properties").toString()), dir.resolve("broker.log"));
        awaitReady(Duration.ofSeconds(120));
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
