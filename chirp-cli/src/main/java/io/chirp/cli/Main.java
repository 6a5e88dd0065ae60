package io.chirp.cli;

import io.chirp.core.ChirpException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;

/** Entry point of the {@code chirp} command. */
@Command(name = "chirp", mixinStandardHelpOptions = true, version = "CHIRP 0.1.0",
        description = "Cloud Hypervisor-forensics and Incident Response Platform: agentless introspection of VMs.",
        subcommands = {DemoCommand.class, LabCommand.class, VmCommand.class, RegsCommand.class, TranslateCommand.class,
                ReadCommand.class, AcquireCommand.class, io.chirp.cli.linux.LinuxCommand.class, DiskCommand.class,
                EventsCommand.class, RulesCommand.class, MonitorCommand.class, SymbolsCommand.class, NetCommand.class,
                ServeCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override public void run() { spec.commandLine().usage(System.out); }

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the CLI with the given streams; returns the exit code. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(out).setErr(err);
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            if (ex instanceof ChirpException ce) {
                err.println("chirp: " + ce.getMessage());
                return switch (ce.kind()) {
                    case USAGE -> 2;
                    case INTERNAL -> { ce.printStackTrace(err); yield 3; }
                    default -> 1;
                };
            }
            err.println("chirp: internal error (a bug; please report it with this trace):");
            ex.printStackTrace(err);
            return 3;
        });
        return cl.execute(args);
    }
}
