package io.chirp.events.store;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real PostgreSQL server for tests: Debian's {@code postgresql} binaries ({@code initdb}, {@code pg_ctl}), a fresh
 * cluster in a temporary folder, listening on 127.0.0.1 at a free port, trust authentication for the local
 * {@code postgres} user only. PostgreSQL refuses to run as root, so as root the cluster belongs to, and runs as, the
 * {@code postgres} system user. A missing installation fails the test (the {@code chirp} script installs it).
 */
public final class TestPostgres implements AutoCloseable {
    private final Path dir;
    private final int port;
    private final boolean asPostgres;
    private int databases;

    private TestPostgres(Path dir, int port, boolean asPostgres) {
        this.dir = dir;
        this.port = port;
        this.asPostgres = asPostgres;
    }

    /** {@return a started server} */
    public static TestPostgres start() throws Exception {
        Path bin = bin();
        boolean root = "root".equals(System.getProperty("user.name"));
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "chirp-pg-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        if (root) run(List.of("chown", "postgres:postgres", dir.toString()), false, dir);
        int port = freePort();
        TestPostgres pg = new TestPostgres(dir, port, root);
        run(List.of(bin.resolve("initdb").toString(), "-D", dir.resolve("data").toString(), "-U", "postgres", "--auth=trust",
                "-E", "UTF8", "--no-sync"), root, dir);
        run(List.of(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-l", dir.resolve("pg.log").toString(),
                "-w", "-t", "120", "-o", "-h 127.0.0.1 -p " + port + " -k " + dir + " -c fsync=off", "start"), root, dir);
        return pg;
    }

    /** {@return the location of a new, empty database on this server, as {@code chirp serve --store} takes it} */
    public synchronized String newDatabase() throws Exception {
        String name = "chirp" + (++databases);
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=postgres");
             Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        }
        return "postgresql://127.0.0.1:" + port + "/" + name + "?user=postgres";
    }

    private static Path bin() throws IOException {
        try (var s = Files.list(Path.of("/usr/lib/postgresql"))) {
            return s.sorted(java.util.Comparator.reverseOrder()).map(p -> p.resolve("bin")).filter(p -> Files.isExecutable(p.resolve("initdb")))
                    .findFirst().orElseThrow(() -> new IllegalStateException("no PostgreSQL server: apt-get install postgresql"));
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IllegalStateException("no PostgreSQL server in /usr/lib/postgresql: apt-get install postgresql", e);
        }
    }

    private static void run(List<String> cmd, boolean asPostgres, Path dir) throws Exception {
        List<String> full = new ArrayList<>();
        if (asPostgres) full.addAll(List.of("runuser", "-u", "postgres", "--"));
        full.addAll(cmd);
        Path log = Files.createTempFile("chirp-pg-cmd", ".log");
        try {
            Process p = new ProcessBuilder(full).directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!p.waitFor(180, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", full) + " failed: " + Files.readString(log));
            }
        } finally {
            Files.deleteIfExists(log);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Override public void close() throws Exception {
        try {
            run(List.of(bin().resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-m", "immediate", "-w", "stop"),
                    asPostgres, dir);
        } finally {
            try (var s = Files.walk(dir)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
