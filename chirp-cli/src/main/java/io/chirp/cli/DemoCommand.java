package io.chirp.cli;

import io.chirp.core.ChirpException;
import io.chirp.lab.Lab;
import io.chirp.lab.LabGuest;
import io.chirp.lab.Scenario;
import io.chirp.server.ChirpServer;
import io.chirp.server.Role;
import io.chirp.server.ServerConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code chirp demo}: CHIRP's main job on a lab VM. Boots a real Linux guest that runs a staged intrusion
 * (a masquerading miner, a backdoor listener, a beacon) and runs the platform on it: {@code chirp serve} on
 * loopback watching that guest, with its web console, until Ctrl-C. The server's home is a fresh owner-only
 * folder for this run only, so the printed login is good for this run only. {@code --cli} keeps the terminal
 * walk-through that introspects the guest command by command.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, description = {
        "Boot a lab VM with a staged intrusion and run the CHIRP platform on it: open the printed console URL.",
        "--cli instead walks through the CLI commands in the terminal."})
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--keep", description = "leave the lab VM running afterwards (stop it with: chirp lab down NAME)")
    boolean keep;
    @Option(names = "--memory", defaultValue = "512M", description = "the lab VM's RAM, e.g. 512M or 1G (default: ${DEFAULT-VALUE})")
    String memory;
    @Option(names = "--cli", description = "the terminal walk-through instead of the platform and its console")
    boolean cli;
    @Option(names = "--port", defaultValue = "" + ServerConfig.DEFAULT_PORT, paramLabel = "N",
            description = "the console's port on 127.0.0.1 (default ${DEFAULT-VALUE}; 0 for any free port)")
    int port;
    @Option(names = "--duration", paramLabel = "TIME", description = "stop after this long (default: until Ctrl-C)")
    String duration;
    @Spec CommandSpec spec;

    @Override public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        java.time.Duration stopAfter = duration == null ? null : Durations.parse(duration);
        err.println("[1/" + (cli ? 3 : 2) + "] building the lab guest (first run only) and booting it under QEMU...");
        LabGuest g = Lab.fromEnvironment().boot(Lab.Options.defaults().withScenario(Scenario.standard())
                .withMemory(Lab.parseSize(memory)).withOwner(keep ? 0 : ProcessHandle.current().pid()));
        try {
            err.println("      guest " + g.name() + " up in " + g.bootMillis() + " ms");
            if (cli) return walkThrough(out, err, g);
            return platform(out, err, g, stopAfter);
        } finally {
            if (!keep) g.close();
            else err.println("lab VM left running: " + g.name() + " (chirp lab down " + g.name() + ")");
        }
    }

    /** Runs {@code chirp serve} on the guest until Ctrl-C (or {@code stopAfter}), with a login made for this run. */
    private int platform(PrintWriter out, PrintWriter err, LabGuest g, java.time.Duration stopAfter) throws Exception {
        err.println("[2/2] starting chirp serve on it (loopback only) with the web console...");
        Path home = Files.createTempDirectory("chirp-demo-serve-"); // 0700 from createTempDirectory
        CountDownLatch stopped = new CountDownLatch(1);
        ChirpServer server = ChirpServer.start(ServerConfig.defaults(home).withPort(port).withVms(List.of(g.name())));
        Thread hook = new Thread(() -> {
            server.close();
            delete(home);
            stopped.countDown();
        }, "chirp-demo-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        byte[] secret = new byte[15];
        new SecureRandom().nextBytes(secret);
        String password = Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        server.credentials().addUser("demo", Role.ADMIN, password.toCharArray());
        out.println();
        out.println("CHIRP is watching " + g.name() + ", a lab VM with a staged intrusion, from the hypervisor side.");
        out.println();
        out.println("  console   " + server.uri() + "/");
        out.println("  user      demo");
        out.println("  password  " + password + "   (this run only)");
        out.println("  API       " + server.uri() + "/api/openapi.json");
        out.println();
        out.println("In the console: Fleet shows the VM; its Processes tab shows evil_miner masquerading as 'sleep';");
        out.println("in " + STAGE_AFTER.toSeconds() + " s the intruder runs a dropper from /tmp and its alert arrives live;");
        out.println("Evidence takes a memory image with progress. Ctrl-C to stop.");
        out.flush();
        Thread stage = Thread.ofVirtual().name("chirp-demo-stage").start(() -> stage(g, err));
        try {
            if (stopAfter == null) stopped.await();
            else stopped.await(stopAfter.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            // stopped from inside the JVM (a test): stop as Ctrl-C would, and leave the flag clear so the guest's
            // shutdown below is not cut short
        } finally {
            if (stopped.getCount() > 0) {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                    hook.run();
                } catch (IllegalStateException shuttingDown) {
                    // Ctrl-C came at the same moment: the hook is already running
                }
            }
        }
        stage.interrupt();
        err.println("stopped");
        return 0;
    }

    /** How long after the console is up the intrusion's next step runs, so the alert arrives while one watches. */
    static final java.time.Duration STAGE_AFTER = java.time.Duration.ofSeconds(20);

    /**
     * The intrusion's live step: a dropper copied to /tmp and run from there under a harmless name (busybox takes its
     * applet from argv[0]), which the shipped rule for execution from a world-writable folder catches.
     */
    private static void stage(LabGuest g, PrintWriter err) {
        try {
            Thread.sleep(STAGE_AFTER);
            g.shell("cp /bin/busybox /tmp/update; (exec -a sleep /tmp/update 100001) </dev/null >/dev/null 2>&1 &", java.time.Duration.ofSeconds(60));
            err.println("the intruder ran a dropper from /tmp (see Alerts)");
            err.flush();
        } catch (InterruptedException e) {
            // the demo stopped first
        } catch (RuntimeException e) {
            err.println("could not stage the dropper in the guest: " + e.getMessage());
            err.flush();
        }
    }

    private static void delete(Path dir) {
        try (var files = Files.walk(dir)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException e) {
            System.err.println("cannot remove the demo's server folder " + dir + ": " + e.getMessage());
        }
    }

    private int walkThrough(PrintWriter out, PrintWriter err, LabGuest g) {
        try {
            err.println("[2/3] introspecting it from the hypervisor side: no agent in the guest, no symbol file...");
            section(out, "The VM as the host sees it (chirp vm list)");
            run(out, err, "vm", "list");
            section(out, "vCPU 0, read through QMP without pausing the guest (chirp regs)");
            run(out, err, "regs", "--vm", g.name());
            section(out, "Processes, from the kernel's task list in guest RAM (chirp linux pstree)");
            out.println("note evil_miner: its argv says 'sleep', its kernel name and executable say otherwise");
            run(out, err, "linux", "pstree", "--vm", g.name());
            section(out, "Network sockets with their owning processes (chirp linux sockets)");
            run(out, err, "linux", "sockets", "--vm", g.name(), "--proto", "tcp,tcp6,udp,udp6");
            section(out, "Kernel modules (chirp linux lsmod)");
            run(out, err, "linux", "lsmod", "--vm", g.name());
            section(out, "Kernel integrity and heuristics: hidden objects, hooks, credentials, masquerades (chirp linux check)");
            run(out, err, "linux", "check", "--vm", g.name());
            err.println("[3/3] taking a consistent memory image through QEMU live migration...");
            section(out, "Memory acquisition (chirp acquire --migration), then the same view on the image");
            Path dir = Files.createTempDirectory("chirp-demo-");
            Path image = dir.resolve(g.name() + ".elf");
            run(out, err, "acquire", "--vm", g.name(), "-o", image.toString(), "--migration", "--quiet");
            run(out, err, "linux", "pslist", "--image", image.toString(), "--pid", "1");
            out.println("image and manifest kept in " + dir);
            out.flush();
            return 0;
        } catch (IOException e) {
            throw ChirpException.io("demo: " + e.getMessage(), e);
        }
    }

    private static void section(PrintWriter out, String title) {
        out.println();
        out.println("== " + title);
        out.flush();
    }

    /**
     * Runs one CHIRP command as the analyst would. A partial result or findings are results (the demo's guest has
     * findings to show); an error is not.
     */
    private static void run(PrintWriter out, PrintWriter err, String... args) {
        int rc = Main.run(args, out, err);
        if (rc == ExitCode.ERROR.code() || rc == ExitCode.USAGE.code() || rc == ExitCode.INTERNAL.code()) {
            throw ChirpException.unavailable("demo step failed (see above): chirp " + String.join(" ", args));
        }
    }
}
