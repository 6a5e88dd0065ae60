package io.chirp.cli;

import io.chirp.core.ChirpException;
import io.chirp.lab.GroundTruth;
import io.chirp.lab.GuestImageBuilder;
import io.chirp.lab.Lab;
import io.chirp.lab.LabGuest;
import io.chirp.lab.Scenario;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/** {@code chirp lab}: real Linux guests to practise on, test against and demo with. */
@Command(name = "lab", mixinStandardHelpOptions = true, description = "Boot, list and stop lab guests (real Linux VMs under QEMU).",
        subcommands = {LabCommand.Up.class, LabCommand.ListCmd.class, LabCommand.Down.class, LabCommand.Truth.class})
final class LabCommand implements Runnable {
    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override public void run() { spec.commandLine().usage(spec.commandLine().getOut()); }

    @Command(name = "up", mixinStandardHelpOptions = true, description = "Boot a lab guest in the background and print its handles.")
    static final class Up implements Callable<Integer> {
        @Option(names = "--scenario", defaultValue = "standard",
                description = "what the guest runs: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE})")
        ScenarioName scenario;
        @Option(names = "--memory", defaultValue = "512M", description = "RAM size, e.g. 512M or 4G (default: ${DEFAULT-VALUE})")
        String memory;
        @Option(names = "--name", description = "guest name (default: generated)")
        String name;
        @Option(names = "--cpus", defaultValue = "1", description = "number of vCPUs, 1 to 64 (default: ${DEFAULT-VALUE})")
        int cpus;
        @Option(names = "--kernel-args", defaultValue = "", description = "extra kernel command line, e.g. pti=on")
        String kernelArgs;
        @Option(names = "--kernel", paramLabel = "PACKAGE", defaultValue = GuestImageBuilder.DEFAULT_KERNEL,
                description = "Debian kernel package to boot, downloaded with apt-get download (never installed on the"
                        + " host), e.g. linux-image-6.12-amd64, linux-image-cloud-amd64, linux-image-6.12-rt-amd64;"
                        + " list them with: apt-cache search ^linux-image- (default: ${DEFAULT-VALUE})")
        String kernel;
        @Option(names = "--arch", description = "guest architecture: ${COMPLETION-CANDIDATES}; ARM64 boots Debian's arm64"
                + " kernel (linux-image-arm64 unless --kernel names another *-arm64 package) under qemu-system-aarch64")
        io.chirp.lab.GuestArch arch;
        @Option(names = "--format", defaultValue = "table", description = "table, json or csv") Table.Format format;
        @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

        @Override public Integer call() {
            if (cpus < 1 || cpus > 64) throw ChirpException.usage("--cpus must be between 1 and 64, not " + cpus);
            if (arch != null && kernel.equals(GuestImageBuilder.DEFAULT_KERNEL)) kernel = arch.defaultKernel();
            if (arch != null && io.chirp.lab.GuestArch.ofKernelPackage(kernel) != arch) {
                throw ChirpException.usage("kernel package " + kernel + " is not for " + arch);
            }
            PrintWriter err = spec.commandLine().getErr();
            err.println("booting lab guest (scenario " + scenario + ", " + memory + " RAM, kernel " + kernel
                    + ", QEMU TCG; the first run with a kernel also builds its guest image from Debian's packages)...");
            LabGuest g = Lab.fromEnvironment().boot(Lab.Options.defaults().withName(name)
                    .withScenario(Scenario.byName(scenario.name())).withMemory(Lab.parseSize(memory)).withCpus(cpus)
                    .withKernelArgs(kernelArgs).withKernel(kernel).withOwner(0));
            err.println("up in " + g.bootMillis() + " ms; stop it with: ./chirp lab down " + g.name());
            handles(g).print(spec.commandLine().getOut(), format);
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List running lab guests.")
    static final class ListCmd implements Callable<Integer> {
        @Option(names = "--format", defaultValue = "table", description = "table, json or csv") Table.Format format;
        @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

        @Override public Integer call() {
            Table t = new Table("name", "pid", "memory", "ram_file", "qmp_socket", "gdb_port", "serial_log");
            for (LabGuest g : Lab.fromEnvironment().list()) {
                t.row(g.name(), g.pid(), (g.memoryBytes() >> 20) + "M", g.ramFile().toString(), g.qmpSocket().toString(),
                        "127.0.0.1:" + g.gdbPort(), g.serialLog().toString());
            }
            t.print(spec.commandLine().getOut(), format);
            return 0;
        }
    }

    @Command(name = "down", mixinStandardHelpOptions = true, description = "Stop a lab guest and remove its RAM file and state.")
    static final class Down implements Callable<Integer> {
        @Parameters(paramLabel = "NAME", arity = "1..*", description = "lab guests to stop (see: chirp lab list)")
        java.util.List<String> names;
        @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

        @Override public Integer call() {
            Lab lab = Lab.fromEnvironment();
            for (String n : names) {
                lab.find(n).close();
                spec.commandLine().getErr().println("stopped " + n);
            }
            return 0;
        }
    }

    @Command(name = "truth", mixinStandardHelpOptions = true, description = "Print the ground truth a lab guest reported about itself at boot.")
    static final class Truth implements Callable<Integer> {
        @Parameters(paramLabel = "NAME", description = "a running lab guest (see: chirp lab list)") String name;
        @Option(names = "--section", paramLabel = "SECTION",
                description = "only this section of the report (processes, modules, tcp, kallsyms, ...; the guest's report says which it has)")
        String section;
        @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

        @Override public Integer call() {
            GroundTruth gt = Lab.fromEnvironment().find(name).groundTruth();
            if (section != null && !gt.sections().containsKey(section)) {
                throw ChirpException.usage("no section '" + section + "' in the ground truth of " + name
                        + "; sections: " + String.join(", ", gt.sections().keySet()));
            }
            PrintWriter out = spec.commandLine().getOut();
            gt.sections().forEach((k, v) -> {
                if (section != null && !section.equals(k)) return;
                out.println("@@ " + k);
                v.forEach(l -> out.println(Table.escape(l)));
            });
            out.flush();
            return 0;
        }
    }

    /** The scenarios {@code lab up} offers, as the command line spells them. */
    enum ScenarioName { standard, minimal, kobjects }

    static Table handles(LabGuest g) {
        return new Table("name", "ram_file", "qmp_socket", "gdb", "serial_log", "serial_console", "disk", "boot_ms")
                .row(g.name(), g.ramFile().toString(), g.qmpSocket().toString(), "127.0.0.1:" + g.gdbPort(),
                        g.serialLog().toString(), g.serialSocket().toString(), g.disk().toString(), g.bootMillis());
    }
}
