package io.chirp.cli.linux;

import io.chirp.cli.ExitCode;
import io.chirp.cli.Table;
import io.chirp.cli.TargetOptions;
import io.chirp.tables.LinuxViews;
import io.chirp.tables.Rows;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.util.List;
import java.util.concurrent.Callable;

/** {@code chirp linux ifconfig}: network interfaces and their IPv4 addresses (Volatility's linux.ifconfig). */
@Command(name = "ifconfig", mixinStandardHelpOptions = true, description = "List the network interfaces of the initial network namespace.")
public final class IfconfigCommand implements Callable<Integer> {
    @ArgGroup(exclusive = false, multiplicity = "1") TargetOptions target;
    @Option(names = "--all-namespaces", description = "every network namespace a process is in, not only init's")
    boolean allNamespaces;
    @Option(names = "--format", defaultValue = "table", description = "table, json or csv") Table.Format format;
    @Spec CommandSpec spec;

    @Override public Integer call() {
        try (LinuxSession s = LinuxSession.open(target)) {
            Rows rows = LinuxViews.ifconfig(s.kernel(), allNamespaces);
            Table t = new Table(rows.names().toArray(String[]::new));
            for (List<Object> v : rows.values()) t.row(v.toArray());
            t.print(spec.commandLine().getOut(), format);
            return ExitCode.okOrPartial(!io.chirp.cli.Table.warn(spec, rows.problems()));
        }
    }
}
