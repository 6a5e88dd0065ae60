package io.chirp.cli;

import io.chirp.hypervisor.Target;
import io.chirp.lab.Lab;
import io.chirp.lab.LabGuest;
import io.chirp.lab.Scenario;
import picocli.CommandLine;
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
@Command(name = "demo", description = "Boot a lab VM and introspect it live from outside, with no agent inside.")
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--keep", description = "leave the lab VM running afterwards (stop it with: chirp lab down NAME)")
    boolean keep;
    @Option(names = "--memory", defaultValue = "512M") String memory;
    @Spec CommandSpec spec;

    @Override public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        err.println("[1/3] building the lab guest (first run only) and booting it under QEMU...");
        LabGuest g = Lab.fromEnvironment().boot(Lab.Options.defaults().withScenario(Scenario.standard())
                .withMemory(Lab.parseSize(memory)).withOwner(keep ? 0 : ProcessHandle.current().pid()));
        try {
            err.println("      guest " + g.name() + " up in " + g.bootMillis() + " ms");
            section(out, "The VM as the host sees it (chirp vm list)");
            run(out, err, "vm", "list");
            section(out, "vCPU registers, read through QMP without pausing the guest (chirp regs)");
            run(out, err, "regs", "--vm", g.name());
            section(out, "Memory: the path CHIRP uses");
            try (Target t = Target.vm(g.name())) {
                out.println(t.memory().describe());
                out.printf("%d MiB of guest-physical RAM in %d range(s)%n", t.memory().limit() >> 20, t.memory().ranges().size());
            }
            out.flush();
            if (keep) err.println("lab VM left running: " + g.name() + " (chirp lab down " + g.name() + ")");
            return 0;
        } finally {
            if (!keep) g.close();
        }
    }

    private static void section(PrintWriter out, String title) {
        out.println();
        out.println("== " + title);
        out.flush();
    }

    private static void run(PrintWriter out, PrintWriter err, String... args) {
        int rc = Main.run(args, out, err);
        if (rc != 0) throw new CommandLine.ExecutionException(new CommandLine(new Main()), "step failed: " + String.join(" ", args));
    }
}
