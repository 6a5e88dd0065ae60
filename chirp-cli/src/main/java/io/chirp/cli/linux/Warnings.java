package io.chirp.cli.linux;

import io.chirp.cli.Table;
import io.chirp.linux.Walk;
import picocli.CommandLine.Model.CommandSpec;

/** Tells the analyst on stderr when a listing is partial, and why: a partial result is never silent. */
public final class Warnings {
    private Warnings() {}

    /** Warns when the walk stopped early; {@return true when it did}, so the command can exit ExitCode.PARTIAL. */
    public static boolean walk(CommandSpec spec, Walk w) {
        if (w.complete()) return false;
        spec.commandLine().getErr().println("chirp: warning: the list is partial (" + Table.escape(w.problem()) + ")");
        spec.commandLine().getErr().flush();
        return true;
    }
}
