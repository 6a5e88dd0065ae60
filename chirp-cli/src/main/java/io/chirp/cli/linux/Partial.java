package io.chirp.cli.linux;

import io.chirp.cli.Table;
import picocli.CommandLine.Model.CommandSpec;

import java.util.List;

/** Warns on stderr, one line per problem, when a listing is partial: the rows printed are not the whole truth. */
final class Partial {
    private static final int MAX_LINES = 20;

    private Partial() {}

    /** Prints the problems; {@return true when there were any}, so the command can exit with ExitCode.PARTIAL. */
    static boolean warn(CommandSpec spec, List<String> problems) {
        var err = spec.commandLine().getErr();
        for (int i = 0; i < problems.size() && i < MAX_LINES; i++) {
            err.println("chirp: warning: partial result: " + Table.escape(problems.get(i)));
        }
        if (problems.size() > MAX_LINES) err.println("chirp: warning: ... and " + (problems.size() - MAX_LINES) + " more");
        err.flush();
        return !problems.isEmpty();
    }
}
