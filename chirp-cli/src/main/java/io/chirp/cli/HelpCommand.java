package io.chirp.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.util.List;

/**
 * {@code chirp help [COMMAND...]}: the help of any command, however deep ({@code chirp help linux pslist}).
 * picocli's own help command looks at one level only and showed {@code linux}'s help for that.
 */
@Command(name = "help", helpCommand = true, mixinStandardHelpOptions = true,
        description = "Show the help of a command, e.g. chirp help linux pslist.")
final class HelpCommand implements Runnable {
    @Parameters(paramLabel = "COMMAND", arity = "0..*", description = "the command and subcommands to explain")
    List<String> path = List.of();
    @Spec CommandSpec spec;

    @Override public void run() {
        CommandLine c = spec.commandLine().getParent();
        for (String name : path) {
            CommandLine sub = c.getSubcommands().get(name);
            if (sub == null) {
                throw new CommandLine.ParameterException(spec.commandLine(), "Unknown command: '" + Table.escape(name)
                        + "'" + (c.getParent() == null ? "" : " under '" + Main.path(c) + "'")
                        + "; commands: " + String.join(", ", c.getSubcommands().keySet()));
            }
            c = sub;
        }
        c.usage(spec.commandLine().getOut());
    }
}
