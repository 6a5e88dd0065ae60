package io.chirp.lab;

import io.chirp.core.OwnerOnly;
import io.chirp.core.ChirpException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A private, real {@code libvirtd} for tests and the lab: its own configuration, run, state, cache and log folders,
 * so it never meets a system libvirtd nor the domains one manages, and a reaper that stops it and its QEMU processes
 * when the owner (a test JVM) dies.
 *
 * <p>A root libvirtd always reads {@code /etc/libvirt/qemu.conf} and keeps state in {@code /run/libvirt} and
 * {@code /var/lib/libvirt} (only {@code libvirtd.conf} can be moved, with {@code --config}). So the daemon runs in a
 * private mount namespace ({@code unshare -m}) where those five folders are bind mounts of this instance's folder;
 * the mounts vanish with the last process of the namespace. Its unix socket is then reachable from outside at
 * {@code <dir>/run/libvirt-sock}, and the URI says so ({@code qemu+unix:///system?socket=...}).
 *
 * <p>The qemu.conf it gets: RAM files under a folder of its own in {@code /dev/shm} ({@code memory_backing_dir}),
 * QEMU as root without DAC relabelling (the lab's images live in root's home, which libvirt-qemu cannot enter),
 * no cgroups or namespaces (there is no systemd here), QEMU's stdio written to files (no virtlogd), and no seccomp
 * sandbox, because the lab's {@code guestfwd=...-cmd:} rules make QEMU spawn a process. No network is defined, so
 * none is autostarted, and libvirtd finds no domains of its own to reconnect to: plain QEMU guests on the machine are
 * not its business and it never touches them.
 */
public final class LibvirtDaemon implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LibvirtDaemon.class);
    /** The folders a root libvirtd uses, by the name of their private copy. */
    private static final List<String[]> BINDS = List.of(
            new String[] {"etc", "/etc/libvirt"}, new String[] {"run", "/run/libvirt"},
            new String[] {"lib", "/var/lib/libvirt"}, new String[] {"cache", "/var/cache/libvirt"},
            new String[] {"log", "/var/log/libvirt"});

    private final LabHome home;
    private final String id;
    private final Path dir;
    private final Path ramDir;
    private final long pid;

    private LibvirtDaemon(LabHome home, String id, Path dir, Path ramDir, long pid) {
        this.home = home;
        this.id = id;
        this.dir = dir;
        this.ramDir = ramDir;
        this.pid = pid;
    }

    /**
     * Starts a private libvirtd and waits until its socket answers.
     *
     * @param home     where the instance folder goes ({@code <root>/libvirt/<id>})
     * @param ownerPid process whose death stops the daemon and its domains (0: only {@link #close})
     * @param timeout  how long the start may take
     */
    public static LibvirtDaemon start(LabHome home, long ownerPid, Duration timeout) {
        HostCommand.require("libvirtd", "libvirt-daemon-system", "virsh", "libvirt-clients", "unshare", "util-linux",
                "setsid", "util-linux", "qemu-system-x86_64", "qemu-system-x86");
        String id = "d" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()).substring(0, 6);
        Path dir = home.root().resolve("libvirt").resolve(id);
        Path ramDir = home.ramDir().resolve("chirp-libvirt-" + id);
        if (dir.resolve("run/libvirt-sock").toString().length() > 100) {
            throw ChirpException.usage("libvirt folder path too long for unix sockets: " + dir + " (set CHIRP_HOME shorter)");
        }
        try {
            Files.createDirectories(dir.getParent());
            reapStale(home);
            OwnerOnly.createDir(dir);
            for (String[] b : BINDS) Files.createDirectory(dir.resolve(b[0]));
            Files.createDirectory(dir.resolve("domains"));
            Files.createDirectories(ramDir);
            Files.writeString(dir.resolve("etc/libvirtd.conf"), """
                    # CHIRP lab: a private libvirtd, reachable only by root through its unix socket
                    unix_sock_ro_perms = "0700"
                    unix_sock_rw_perms = "0700"
                    unix_sock_admin_perms = "0700"
                    auth_unix_ro = "none"
                    auth_unix_rw = "none"
                    log_outputs = "3:file:/var/log/libvirt/libvirtd.log"
                    """);
            Files.writeString(dir.resolve("etc/qemu.conf"), """
                    # CHIRP lab: see io.chirp.lab.LibvirtDaemon for why each setting
                    memory_backing_dir = "%s"
                    user = "root"
                    group = "root"
                    dynamic_ownership = 0
                    remember_owner = 0
                    security_driver = "none"
                    cgroup_controllers = [ ]
                    namespaces = [ ]
                    stdio_handler = "file"
                    seccomp_sandbox = 0
                    """.formatted(ramDir));
            StringBuilder script = new StringBuilder("set -e\n");
            for (String[] b : BINDS) {
                script.append("mkdir -p ").append(b[1]).append("\nmount --bind \"$1/").append(b[0]).append("\" ")
                        .append(b[1]).append('\n');
            }
            script.append("exec libvirtd -d --config /etc/libvirt/libvirtd.conf --pid-file \"$1/libvirtd.pid\"\n");
            Process p = new ProcessBuilder("unshare", "--mount", "--propagation", "private",
                    "sh", "-c", script.toString(), "chirp-libvirtd", dir.toString())
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .redirectOutput(dir.resolve("start.out").toFile())
                    .redirectErrorStream(true)
                    .start();
            long deadline = System.nanoTime() + timeout.toNanos();
            // libvirtd -d returns once the daemon has initialised its drivers and listens.
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                String out = Files.readString(dir.resolve("start.out")).strip();
                cleanUp(dir, ramDir);
                throw ChirpException.unavailable("libvirtd did not start: " + out);
            }
            Path pidFile = dir.resolve("libvirtd.pid");
            Path socket = dir.resolve("run/libvirt-sock");
            while (!(Files.isRegularFile(pidFile) && Files.size(pidFile) > 0 && Files.exists(socket))) {
                if (System.nanoTime() > deadline) {
                    cleanUp(dir, ramDir);
                    throw ChirpException.unavailable("libvirtd wrote no pid file or socket within " + timeout);
                }
                Thread.sleep(50);
            }
            long pid = Long.parseLong(Files.readString(pidFile).strip());
            startReaper(pid, ownerPid, dir, ramDir);
            LibvirtDaemon d = new LibvirtDaemon(home, id, dir, ramDir, pid);
            log.info("private libvirtd {} up (pid {}), {}", id, pid, d.uri());
            return d;
        } catch (IOException e) {
            cleanUp(dir, ramDir);
            throw ChirpException.io("cannot start libvirtd in " + dir + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            cleanUp(dir, ramDir);
            throw new ChirpException(ChirpException.Kind.INTERRUPTED, "interrupted while starting libvirtd");
        }
    }

    /** {@return the connection URI of this daemon's QEMU driver} */
    public String uri() { return "qemu+unix:///system?socket=" + socket(); }

    /** {@return the daemon's read-write unix socket} */
    public Path socket() { return dir.resolve("run/libvirt-sock"); }

    /** {@return the lab home the daemon's folder and the guest images are in} */
    public LabHome home() { return home; }

    /** {@return the instance id (part of folder names)} */
    public String id() { return id; }

    /** {@return the instance folder} */
    public Path dir() { return dir; }

    /** {@return the {@code memory_backing_dir} this daemon gives QEMU} */
    public Path memoryBackingDir() { return ramDir; }

    /** {@return libvirtd's process id} */
    public long pid() { return pid; }

    /** {@return true while libvirtd runs} */
    public boolean isAlive() {
        return ProcessHandle.of(pid).map(h -> h.isAlive() && isCommand(h, "libvirtd")).orElse(false);
    }

    /** {@return the pid of a running domain's QEMU, from libvirt's pid file} */
    public Optional<Long> qemuPid(String domain) {
        try {
            Path f = dir.resolve("run/qemu").resolve(domain + ".pid");
            if (!Files.isRegularFile(f)) return Optional.empty();
            long p = Long.parseLong(Files.readString(f).strip());
            return ProcessHandle.of(p).filter(h -> isCommand(h, "qemu")).map(ProcessHandle::pid);
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** {@return the tail of libvirtd's own log, for failure messages} */
    public String logTail() {
        try {
            String s = Files.readString(dir.resolve("log/libvirtd.log"));
            return s.length() > 4000 ? "..." + s.substring(s.length() - 4000) : s;
        } catch (IOException e) {
            return "(no libvirtd log: " + e.getMessage() + ")";
        }
    }

    /**
     * Runs virsh against this daemon, bounded in time, and returns its output.
     * The lab drives domains through virsh; CHIRP's own access goes through chirp-libvirt.
     */
    public String virsh(Duration timeout, String... args) {
        List<String> argv = new ArrayList<>(List.of("virsh", "-q", "-c", uri()));
        argv.addAll(List.of(args));
        try {
            Path out = Files.createTempFile(dir, "virsh", ".out");
            try {
                Process p = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(out.toFile())
                        .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
                if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    p.destroyForcibly();
                    throw new ChirpException(ChirpException.Kind.IO, "virsh timed out after " + timeout + ": "
                            + String.join(" ", args));
                }
                String text = Files.readString(out);
                if (p.exitValue() != 0) {
                    throw new ChirpException(ChirpException.Kind.IO, "virsh " + String.join(" ", args) + " failed: "
                            + text.strip());
                }
                return text;
            } finally {
                Files.deleteIfExists(out);
            }
        } catch (IOException e) {
            throw ChirpException.io("cannot run virsh: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ChirpException(ChirpException.Kind.INTERRUPTED, "interrupted: virsh " + String.join(" ", args));
        }
    }

    /**
     * Stops every QEMU this daemon started, then the daemon (SIGTERM, SIGKILL after 10 s), and removes its folders.
     * QEMU goes first: a libvirtd that stops leaves its domains running, by design.
     */
    @Override
    public void close() {
        try (Stream<Path> s = Files.isDirectory(dir.resolve("run/qemu")) ? Files.list(dir.resolve("run/qemu")) : Stream.empty()) {
            for (Path f : s.filter(f -> f.getFileName().toString().endsWith(".pid")).toList()) {
                String name = f.getFileName().toString().replaceFirst("\\.pid$", "");
                qemuPid(name).flatMap(ProcessHandle::of).ifPresent(h -> stop(h, Duration.ofSeconds(5)));
            }
        } catch (IOException e) {
            log.warn("cannot list domains of libvirtd {}: {}", id, e.toString());
        }
        ProcessHandle.of(pid).filter(h -> isCommand(h, "libvirtd")).ifPresent(h -> stop(h, Duration.ofSeconds(10)));
        cleanUp(dir, ramDir);
    }

    /**
     * Removes instance folders (and their RAM folders) whose libvirtd is gone, left by a host reboot or a reaper that
     * was killed too. Only folders older than a few minutes: a daemon another JVM is starting has no pid file yet.
     */
    private static void reapStale(LabHome home) {
        Path root = home.root().resolve("libvirt");
        long cutoff = System.currentTimeMillis() - Duration.ofMinutes(5).toMillis();
        try (Stream<Path> s = Files.list(root)) {
            for (Path d : s.filter(Files::isDirectory).toList()) {
                if (Files.getLastModifiedTime(d).toMillis() > cutoff) continue;
                long p = -1;
                try {
                    p = Long.parseLong(Files.readString(d.resolve("libvirtd.pid")).strip());
                } catch (IOException | NumberFormatException e) {
                    // no daemon ever wrote its pid here
                }
                boolean alive = p > 0 && ProcessHandle.of(p).map(h -> isCommand(h, "libvirtd")).orElse(false);
                if (!alive) {
                    log.info("removing stale libvirt lab folder {}", d);
                    cleanUp(d, home.ramDir().resolve("chirp-libvirt-" + d.getFileName()));
                }
            }
        } catch (IOException e) {
            log.debug("cannot scan {}: {}", root, e.toString());
        }
    }

    private static void stop(ProcessHandle h, Duration grace) {
        h.destroy();
        try {
            h.onExit().get(grace.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            h.destroyForcibly();
            try { h.onExit().get(5, TimeUnit.SECONDS); } catch (Exception ignored) { /* gone or unkillable */ }
        }
    }

    private static boolean isCommand(ProcessHandle h, String part) {
        return h.info().command().map(c -> c.contains(part)).orElse(false);
    }

    private static void cleanUp(Path dir, Path ramDir) {
        try {
            GuestImageBuilder.deleteTree(dir);
            GuestImageBuilder.deleteTree(ramDir);
        } catch (IOException e) {
            log.warn("could not remove {} or {}: {}", dir, ramDir, e.toString());
        }
    }

    /**
     * Like the lab's QEMU reaper: its own session, so it outlives a killed JVM. When the owner dies it kills the
     * daemon's QEMU processes (found from libvirt's pid files, checked to be QEMU), then libvirtd; when libvirtd
     * is gone for any reason it does the same for QEMU processes left behind; then it removes the folders.
     */
    private static void startReaper(long daemonPid, long ownerPid, Path dir, Path ramDir) throws IOException {
        String script = """
                d=$1; o=$2; dir=$3; ram=$4
                is() { tr '\\0' ' ' < /proc/$1/cmdline 2>/dev/null | grep -q "$2"; }
                while is "$d" libvirtd; do
                  if [ "$o" != 0 ] && ! kill -0 "$o" 2>/dev/null; then break; fi
                  sleep 1
                done
                for f in "$dir"/run/qemu/*.pid; do
                  [ -f "$f" ] || continue
                  q=$(cat "$f"); is "$q" qemu && kill "$q" 2>/dev/null
                done
                is "$d" libvirtd && kill "$d" 2>/dev/null
                sleep 3
                for f in "$dir"/run/qemu/*.pid; do
                  [ -f "$f" ] || continue
                  q=$(cat "$f"); is "$q" qemu && kill -9 "$q" 2>/dev/null
                done
                is "$d" libvirtd && kill -9 "$d" 2>/dev/null
                rm -rf "$dir" "$ram"
                """;
        new ProcessBuilder("setsid", "sh", "-c", script, "chirp-libvirt-reaper", Long.toString(daemonPid),
                Long.toString(ownerPid), dir.toString(), ramDir.toString())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
    }
}
