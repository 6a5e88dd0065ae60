package io.chirp.cli;

import io.chirp.lab.Lab;
import io.chirp.lab.LabGuest;
import io.chirp.lab.Scenario;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/**
 * {@code chirp demo}: CHIRP's main job on a lab VM. Boots a real Linux guest that runs a staged intrusion
 * (a masquerading miner, a backdoor listener, a beacon), then introspects it live from the hypervisor side.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, description = "Boot a lab VM and introspect it live from outside, with no agent inside.")
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--keep", description = "leave the lab VM running afterwards (stop it with: chirp lab down NAME)")
    boolean keep;
    @Option(names = "--memory", defaultValue = "512M", description = "the lab VM's RAM, e.g. 512M or 1G (default: ${DEFAULT-VALUE})")
    String memory;
    @Spec CommandSpec spec;

    @Override public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        err.println("[1/3] building the lab guest (first run only) and booting it under QEMU...");
        LabGuest g = Lab.fromEnvironment().boot(Lab.Options.defaults().withScenario(Scenario.standard())
                .withMemory(Lab.parseSize(memory)).withOwner(keep ? 0 : ProcessHandle.current().pid()));
        try {
            err.println("      guest " + g.name() + " up in " + g.bootMillis() + " ms");
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
            java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("chirp-demo-");
            java.nio.file.Path image = dir.resolve(g.name() + ".elf");
            run(out, err, "acquire", "--vm", g.name(), "-o", image.toString(), "--migration", "--quiet");
            run(out, err, "linux", "pslist", "--image", image.toString(), "--pid", "1");
            out.println("image and manifest kept in " + dir);
            out.flush();
            if (keep) err.println("lab VM left running: " + g.name() + " (chirp lab down " + g.name() + ")");
            return 0;
        } catch (java.io.IOException e) {
            throw io.chirp.core.ChirpException.io("demo: " + e.getMessage(), e);
        } finally {
            if (!keep) g.close();
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
            throw io.chirp.core.ChirpException.unavailable("demo step failed (see above): chirp " + String.join(" ", args));
        }
    }
}
