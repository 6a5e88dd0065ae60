package io.chirp.cli;

import io.chirp.lab.GroundTruth;
import io.chirp.lab.Lab;
import io.chirp.lab.LabGuest;
import io.chirp.lab.Scenario;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/** {@code chirp lab}: real Linux guests to practise on, test against and demo with. */
@Command(name = "lab", description = "Boot, list and stop lab guests (real Linux VMs under QEMU).",
        subcommands = {LabCommand.Up.class, LabCommand.ListCmd.class, LabCommand.Down.class, LabCommand.Truth.class})
final class LabCommand implements Runnable {
    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override public void run() { spec.commandLine().usage(spec.commandLine().getOut()); }

    @Command(name = "up", description = "Boot a lab guest in the background and print its handles.")
    static final class Up implements Callable<Integer> {
        @Option(names = "--scenario", defaultValue = "standard", description = "standard or minimal (default: ${DEFAULT-VALUE})")
        String scenario;
        @Option(names = "--memory", defaultValue = "512M", description = "RAM size, e.g. 512M or 4G (default: ${DEFAULT-VALUE})")
        String memory;
        @Option(names = "--name", description = "guest name (default: generated)")
        String name;
        @Option(names = "--cpus", defaultValue = "1") int cpus;
        @Option(names = "--kernel-args", defaultValue = "", description = "extra kernel command line, e.g. pti=on")
        String kernelArgs;
        @Option(names = "--format", defaultValue = "table") Table.Format format;
        @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

        @Override public Integer call() {
            PrintWriter err = spec.commandLine().getErr();
            err.println("booting lab guest (scenario " + scenario + ", " + memory + " RAM, QEMU TCG)...");
            LabGuest g = Lab.fromEnvironment().boot(Lab.Options.defaults().withName(name)
                    .withScenario(Scenario.byName(scenario)).withMemory(Lab.parseSize(memory)).withCpus(cpus)
                    .withKernelArgs(kernelArgs).withOwner(0));
            err.println("up in " + g.bootMillis() + " ms; stop it with: ./chirp lab down " + g.name());
            handles(g).print(spec.commandLine().getOut(), format);
            return 0;
        }
    }

    @Command(name = "list", description = "List running lab guests.")
    static final class ListCmd implements Callable<Integer> {
        @Option(names = "--format", defaultValue = "table") Table.Format format;
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

    @Command(name = "down", description = "Stop a lab guest and remove its RAM file and state.")
    static final class Down implements Callable<Integer> {
        @Parameters(paramLabel = "NAME", arity = "1..*") java.util.List<String> names;
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

    @Command(name = "truth", description = "Print the ground truth a lab guest reported about itself at boot.")
    static final class Truth implements Callable<Integer> {
        @Parameters(paramLabel = "NAME") String name;
        @Option(names = "--section", description = "one section (processes, modules, tcp, kallsyms, ...)") String section;
        @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

        @Override public Integer call() {
            GroundTruth gt = Lab.fromEnvironment().find(name).groundTruth();
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

    static Table handles(LabGuest g) {
        return new Table("name", "ram_file", "qmp_socket", "gdb", "serial_log", "serial_console", "disk", "boot_ms")
                .row(g.name(), g.ramFile().toString(), g.qmpSocket().toString(), "127.0.0.1:" + g.gdbPort(),
                        g.serialLog().toString(), g.serialSocket().toString(), g.disk().toString(), g.bootMillis());
    }
}
