package io.chirp.cli.linux;

import io.chirp.cli.Table;
import io.chirp.cli.TargetOptions;
import io.chirp.tables.LinuxViews;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/** {@code chirp linux sockscan}: TCP sockets carved from slab memory. */
@Command(name = "sockscan", mixinStandardHelpOptions = true,
        description = "Carve TCP sockets (IPv4 and IPv6) from their slab caches: closed connections and sockets no descriptor or kernel table leads to.")
public final class SockScanCommand implements Callable<Integer> {
    @ArgGroup(exclusive = false, multiplicity = "1") TargetOptions target;
    @Option(names = "--all", description = "also list the carved sockets that are listed (status listed)") boolean all;
    @Option(names = "--format", defaultValue = "table", description = "table, json or csv") Table.Format format;
    @Spec CommandSpec spec;

    @Override public Integer call() {
        try (LinuxSession s = LinuxSession.open(target)) {
            return Table.show(spec, LinuxViews.sockscan(s.kernel(), all), format);
        }
    }
}
