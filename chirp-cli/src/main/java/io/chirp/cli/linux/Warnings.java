package io.chirp.cli.linux;

import io.chirp.cli.Table;
import io.chirp.linux.Walk;
import picocli.CommandLine.Model.CommandSpec;

/** Tells the analyst on stderr when a listing is partial, and why: a partial result is never silent. */
public final class Warnings {
    private Warnings() {}

    public static void walk(CommandSpec spec, Walk w) {
        if (!w.complete()) {
            spec.commandLine().getErr().println("chirp: warning: the list is partial (" + Table.escape(w.problem()) + ")");
        }
    }
}
