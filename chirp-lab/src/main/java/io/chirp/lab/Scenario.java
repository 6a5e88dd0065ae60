package io.chirp.lab;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What a lab guest does after boot, declared rather than scripted: processes with distinctive names and arguments,
 * files, listening and connected sockets, and a user other than root. It is rendered into {@code /chirp/scenario.sh},
 * which the guest's init sources before it prints its ground truth.
 *
 * <p>Connections go to the host only through {@code guestfwd} rules: guest address {@link #HOST_ALIAS}, one port per
 * rule, forwarded either to a server on the host's 127.0.0.1 or to an echo command inside QEMU.
 */
public final class Scenario {
    /** The guest-side address that guestfwd rules answer on. */
    public static final String HOST_ALIAS = "10.0.2.100";
    private static final int FIRST_FORWARD_PORT = 8000;

    /** A guestfwd rule: guest connects to HOST_ALIAS:guestPort; QEMU runs {@code command} per connection. */
    public record Forward(int guestPort, String command) {
        /** {@return the guestfwd value for QEMU's -netdev} */
        public String netdevOption() {
            return "guestfwd=tcp:" + HOST_ALIAS + ":" + guestPort + "-cmd:" + command;
        }
    }

    private final String name;
    private final List<String> lines = new ArrayList<>();
    private final List<Forward> forwards = new ArrayList<>();
    private final List<byte[]> files = new ArrayList<>();

    private Scenario(String name) { this.name = Objects.requireNonNull(name); }

    /** {@return an empty scenario} */
    public static Scenario named(String name) { return new Scenario(name); }

    /**
     * The scenario of the demo and of most tests: a masquerading miner, a listener, a beacon loop that execs,
     * a process holding a disk file open, a process of user alice, and an established connection to the host.
     */
    public static Scenario standard() {
        return named("standard")
                .process("/tmp/evil_miner", "sleep", "100000")
                .listenTcp(4444)
                .script("/tmp/beacon.sh", "while true; do /bin/sleep 5; done")
                .holdOpen("/mnt/data/secret.txt", "200000")
                .processAs("alice", "/home/alice/.cache/kworkerd", "sleep", "300000")
                .connectEcho();
    }

    /** {@return a scenario by name, for the command line} */
    public static Scenario byName(String name) {
        return switch (name) {
            case "standard", "default" -> standard();
            case "minimal" -> named("minimal");
            case "kobjects" -> named("kobjects").kernelObjects()
                    .interactiveShell("/bin/sh", "/run/history-ash.out", SHELL_COMMANDS)
                    .withBash().interactiveShell("/bin/bash", "/run/history-bash.out", SHELL_COMMANDS)
                    .inNamespaces();
            default -> throw io.chirp.core.ChirpException.usage("unknown scenario '" + name
                    + "' (known: standard, minimal, kobjects)");
        };
    }

    public String name() { return name; }

    /**
     * Starts a long-running process whose executable is a copy of busybox at {@code path}, so its {@code comm} is the
     * file name there, while its argv (what {@code ps} shows) is {@code applet args...}: a masquerade, as attackers do.
     */
    public Scenario process(String path, String applet, String... args) {
        return processAs(null, path, applet, args);
    }

    /** Like {@link #process} but running as {@code user} (uid/gid from the guest's /etc/passwd). */
    public Scenario processAs(String user, String path, String applet, String... args) {
        lines.add("mkdir -p " + q(parent(path)) + " && cp /bin/busybox " + q(path) + " && chmod 755 " + q(path));
        String cmd = "exec -a " + q(applet) + " " + q(path) + " " + String.join(" ", quoteAll(args));
        if (user != null) {
            lines.add("chown -R " + q(user) + ":" + q(user) + " " + q(parent(path)));
            cmd = "exec su -s /bin/sh -c " + q(cmd) + " " + q(user);
        }
        lines.add("(" + cmd + ") </dev/null >/dev/null 2>&1 &");
        return this;
    }

    /** Writes a shell script to {@code path} and runs it in the background (real execve calls for paths in it). */
    public Scenario script(String path, String body) {
        file(path, "#!/bin/sh\n" + body + "\n", 0755);
        lines.add("(" + q(path) + ") </dev/null >/dev/null 2>&1 &");
        return this;
    }

    /** Starts a process ({@code sleep SECONDS}) that holds {@code path} open on descriptor 3. */
    public Scenario holdOpen(String path, String seconds) {
        lines.add("(exec 3<" + q(path) + "; exec /bin/sleep " + q(seconds) + ") </dev/null >/dev/null 2>&1 &");
        return this;
    }

    /** A TCP listener that echoes (busybox nc, persistent). */
    public Scenario listenTcp(int port) {
        lines.add("(nc -ll -p " + port + " -e /bin/cat) </dev/null >/dev/null 2>&1 &");
        return this;
    }

    /** An established TCP connection from the guest to a server on the host's 127.0.0.1:{@code hostPort}. */
    public Scenario connectToHost(int hostPort) {
        return connect("socat - TCP:127.0.0.1:" + hostPort);
    }

    /** An established TCP connection from the guest to an echo service run by QEMU itself (no host server needed). */
    public Scenario connectEcho() { return connect("cat"); }

    private Scenario connect(String command) {
        int port = FIRST_FORWARD_PORT + forwards.size();
        forwards.add(new Forward(port, command));
        lines.add("(sleep 2147483 | nc " + HOST_ALIAS + " " + port + ") >/dev/null 2>&1 &");
        return this;
    }

    /** Puts a file into the guest (in its initramfs, so before the scenario runs). */
    public Scenario file(String path, String content, int mode) {
        return file(path, content.getBytes(StandardCharsets.UTF_8), mode);
    }

    public Scenario file(String path, byte[] content, int mode) {
        if (!path.startsWith("/") || path.contains("..")) throw new IllegalArgumentException("absolute path needed: " + path);
        // Staged under /chirp/files and copied at run time: init mounts tmpfs over /tmp, hiding initramfs content.
        String staged = "/chirp/files/" + files.size();
        files.add(content.clone());
        lines.add("mkdir -p " + q(parent(path)) + " && cp " + staged + " " + q(path) + " && chmod "
                + Integer.toOctalString(mode & 07777) + " " + q(path));
        return this;
    }

    /** Where {@link #kernelObjects} writes what it loaded ("map ID", "prog ID", "child PID" lines). */
    public static final String KERNEL_OBJECTS_OUT = "/run/chirp-kobjects.out";

    /**
     * Runs {@code /usr/sbin/chirp-kobjects} (resource {@code kobjects.c}, built static with the host's gcc): an eBPF
     * map and socket-filter program held open and attached to a socket, CAP_SYS_MODULE dropped from its bounding
     * set, and a child it traces. The scenario waits (at most 20 s) until the program has said what it loaded.
     */
    public Scenario kernelObjects() {
        file("/usr/sbin/chirp-kobjects", KernelObjectsProgram.binary(), 0755);
        lines.add("(exec /usr/sbin/chirp-kobjects) </dev/null >" + KERNEL_OBJECTS_OUT + " 2>&1 &");
        lines.add("i=0; while [ $i -lt 20 ] && ! grep -q '^child' " + KERNEL_OBJECTS_OUT + "; do sleep 1; i=$((i+1)); done");
        return this;
    }

    /** What {@code kobjects}'s interactive shells are given to remember. */
    public static final String[] SHELL_COMMANDS = {"echo staged-one", "cat /etc/passwd > /tmp/.p", "true chirp-history-marker"};

    /**
     * Runs {@code shell} interactively on a pseudo-terminal (through chirp-kobjects, so {@link #kernelObjects} must be
     * in the scenario), types {@code commands} into it, then {@code history}, whose answer (the shell's own account,
     * with epoch-second times where the shell records them: HISTTIMEFORMAT is set) goes to {@code out}. The shell
     * then waits at its prompt with its history in memory.
     */
    public Scenario interactiveShell(String shell, String out, String... commands) {
        // ptys need devpts (init mounts only devtmpfs)
        lines.add("grep -q ' /dev/pts ' /proc/mounts || { mkdir -p /dev/pts && mount -t devpts devpts /dev/pts; }");
        lines.add("(HISTTIMEFORMAT='%s ' exec /usr/sbin/chirp-kobjects shell " + q(shell) + " " + q(out) + " "
                + String.join(" ", quoteAll(commands)) + ") </dev/null >/dev/null 2>&1 &");
        lines.add("i=0; while [ $i -lt 30 ] && ! grep -q history " + q(out) + " 2>/dev/null; do sleep 1; i=$((i+1)); done");
        return this;
    }

    /** Puts the host's bash (dynamically linked) and the libraries it needs into the guest at their host paths. */
    public Scenario withBash() {
        for (String f : List.of("/bin/bash", "/lib/x86_64-linux-gnu/libtinfo.so.6", "/lib/x86_64-linux-gnu/libc.so.6",
                "/lib64/ld-linux-x86-64.so.2")) {
            try {
                java.nio.file.Path real = java.nio.file.Path.of(f).toRealPath();
                file(f, java.nio.file.Files.readAllBytes(real), 0755);
            } catch (java.io.IOException e) {
                throw io.chirp.core.ChirpException.io("bash for the lab guest: cannot read " + f + ": " + e.getMessage(), e);
            }
        }
        return this;
    }

    /** The port {@link #inNamespaces}'s listener binds in its own network namespace. */
    public static final int NAMESPACE_PORT = 5555;

    /**
     * A TCP listener (port {@link #NAMESPACE_PORT}) in a network and mount namespace of its own (busybox unshare):
     * its netns has only lo, its mount namespace one more tmpfs, {@code chirp-nsonly} on /mnt/nsonly.
     */
    public Scenario inNamespaces() {
        lines.add("mkdir -p /mnt/nsonly");
        lines.add("(exec unshare -n -m sh -c 'ip link set lo up; mount -t tmpfs chirp-nsonly /mnt/nsonly; exec nc -ll -p "
                + NAMESPACE_PORT + " -e /bin/cat') </dev/null >/dev/null 2>&1 &");
        lines.add("sleep 1");
        return this;
    }

    /** A raw shell line, for what the builder does not cover. */
    public Scenario shell(String line) {
        lines.add(line);
        return this;
    }

    /** {@return the guestfwd rules this scenario needs} */
    public List<Forward> forwards() { return List.copyOf(forwards); }

    /** {@return the scenario as a cpio archive to append to the base initramfs} */
    byte[] toCpio() {
        Cpio cpio = new Cpio();
        cpio.dir("/chirp");
        cpio.dir("/chirp/files");
        for (int i = 0; i < files.size(); i++) cpio.file("/chirp/files/" + i, 0644, files.get(i));
        String script = "# scenario " + name + "\n" + String.join("\n", lines) + "\n";
        cpio.file("/chirp/scenario.sh", 0644, script.getBytes(StandardCharsets.UTF_8));
        return cpio.finish();
    }

    private static String parent(String path) {
        int i = path.lastIndexOf('/');
        return i <= 0 ? "/" : path.substring(0, i);
    }

    private static List<String> quoteAll(String[] args) {
        List<String> out = new ArrayList<>();
        for (String a : args) out.add(q(a));
        return out;
    }

    /** Single-quotes a value for the guest's shell. */
    static String q(String s) { return "'" + s.replace("'", "'\\''") + "'"; }
}
